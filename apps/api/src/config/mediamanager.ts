/**
 * MediaManager's sections: one config.toml may serve both, so what is MediaManager's is set aside
 * (and named in a notice) before validation — unless it is one slip away from one of ours.
 */
import { distance } from 'fastest-levenshtein';

import { isArrayOfTables, isTable, type Table } from './common.js';
import { describeUnknownKey } from './messages.js';
import { IGNORED_MISC_KEYS, KNOWN_FOREIGN_SECTIONS, OWNED_NOTIFICATION_KEY, OWNED_SECTIONS } from './schema.js';

/** Removes what belongs to MediaManager (so one config.toml can serve both) and returns its names. */
export function setAsideForeignSettings(raw: Table, file: string, problems: string[]): string[] {
  const sections: string[] = [];
  for (const [key, value] of Object.entries(raw)) {
    if (isOwnedSection(key)) continue;
    delete raw[key];
    if (!isTable(value) && !isArrayOfTables(value)) {
      problems.push(describeUnknownKey(key, `in ${file}`));
      continue;
    }
    const intended = findOwnedSectionLike(key);
    if (intended !== undefined) {
      problems.push(`Unknown section [${key}] in ${file}. Did you mean [${intended}]?`);
      continue;
    }
    sections.push(key);
  }

  const nestedSections: string[] = [];
  const notifications = raw['notifications'];
  if (isTable(notifications)) {
    for (const key of Object.keys(notifications)) {
      if (key === OWNED_NOTIFICATION_KEY) continue;
      if (distance(key, OWNED_NOTIFICATION_KEY) <= 2) {
        // Probably our table misspelt, not one of MediaManager's notifiers: ignoring it would
        // silently disable email.
        problems.push(describeUnknownKey(`notifications.${key}`, `in ${file}`));
        continue;
      }
      delete notifications[key];
      nestedSections.push(`notifications.${key}`);
    }
  }

  const keys: string[] = [];
  const misc = raw['misc'];
  if (isTable(misc)) {
    for (const key of IGNORED_MISC_KEYS) {
      if (!(key in misc)) continue;
      delete misc[key];
      keys.push(`misc.${key}`);
    }
  }
  return [...sections.sort(), ...nestedSections.sort(), ...keys.sort()];
}

export function describeIgnoredSettings(names: readonly string[]): string {
  const hasKeys = names.some((name) => name.startsWith('misc.'));
  return `Ignoring ${hasKeys ? 'sections and keys' : 'sections'} Gatehouse does not use: ${names.join(', ')}`;
}

function isOwnedSection(key: string): boolean {
  return (OWNED_SECTIONS as readonly string[]).includes(key);
}

/** A foreign section name that is one slip away from ours, e.g. [sever] or [Auth]. */
function findOwnedSectionLike(key: string): string | undefined {
  if (KNOWN_FOREIGN_SECTIONS.includes(key)) return undefined;
  const lower = key.toLowerCase();
  for (const section of OWNED_SECTIONS) {
    const allowed = section.length >= 5 ? 2 : 1;
    if (distance(lower, section) <= allowed) return section;
  }
  return undefined;
}
