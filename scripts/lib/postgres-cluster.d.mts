// Types for postgres-cluster.mjs, for the TypeScript tests that start a cluster of their own.
export interface PostgresCluster {
  /** Superuser URL of the `postgres` database. */
  readonly url: string;
  readonly port: number;
  readonly directory: string;
  /** Stops the server and deletes the cluster; idempotent. */
  stop(): void;
  /** Shuts the server down (connections are cut), keeping its data. */
  pause(): void;
  /** Starts a paused server again, on the same port. */
  resume(): void;
}

export function findPostgresBinDir(): string | null;
export function startPostgresCluster(options?: { binDir?: string | null }): Promise<PostgresCluster>;
