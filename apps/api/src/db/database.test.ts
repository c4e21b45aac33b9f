import { describe, expect, it } from '@jest/globals';
import { openEmbeddedDatabase } from './database.js';

describe('embedded database (PGlite)', () => {
  it("runs with 16 MB of shared buffers and keeps PGlite's own start parameters", async () => {
    const db = await openEmbeddedDatabase('memory://');
    try {
      const settings = await db.withConnection((sql) =>
        sql.query<{ name: string; setting: string }>(
          "SELECT name, current_setting(name) AS setting FROM pg_settings WHERE name IN ('shared_buffers', 'search_path', 'max_worker_processes') ORDER BY name",
        ),
      );
      expect(settings).toEqual([
        { name: 'max_worker_processes', setting: '0' },
        { name: 'search_path', setting: 'public' },
        { name: 'shared_buffers', setting: '16MB' },
      ]);
    } finally {
      await db.close();
    }
  });
});
