import { USER_PAGE_SIZE_DEFAULT, USER_PAGE_SIZE_MAX, USER_SEARCH_MAX_LENGTH, type FieldError } from '@gatehouse/shared';
import { AppError } from '../http/app-error.js';
import type { UserSearchQuery } from './service.js';

/** A whole number written in plain digits (no sign, exponent or decimal point), else null. */
function readWholeNumber(value: string): number | null {
  return /^\d{1,9}$/.test(value) ? Number(value) : null;
}

/**
 * GET /users?q=&page=&per_page=: each parameter at most once, page from 1, per_page from 1 to
 * USER_PAGE_SIZE_MAX. Anything else is a 422 naming the parameter, never a silent default.
 */
export function parseUserSearchQuery(query: Record<string, unknown>): UserSearchQuery {
  const problems: FieldError[] = [];
  const readOne = (name: string): string | undefined => {
    const value = query[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') {
      problems.push({ field: name, message: `Give ${name} once, as plain text.` });
      return undefined;
    }
    return value;
  };

  const text = (readOne('q') ?? '').trim();
  if (text.length > USER_SEARCH_MAX_LENGTH) {
    problems.push({ field: 'q', message: `The search text is longer than ${USER_SEARCH_MAX_LENGTH} characters.` });
  }
  const rawPage = readOne('page');
  const page = rawPage === undefined ? 1 : readWholeNumber(rawPage);
  if (page === null || page < 1) problems.push({ field: 'page', message: 'page must be a whole number from 1.' });
  const rawPerPage = readOne('per_page');
  const perPage = rawPerPage === undefined ? USER_PAGE_SIZE_DEFAULT : readWholeNumber(rawPerPage);
  if (perPage === null || perPage < 1 || perPage > USER_PAGE_SIZE_MAX) {
    problems.push({ field: 'per_page', message: `per_page must be a whole number from 1 to ${USER_PAGE_SIZE_MAX}.` });
  }

  if (problems.length > 0 || page === null || perPage === null) {
    throw new AppError('VALIDATION_ERROR', problems.map((p) => `${p.field}: ${p.message}`).join('; '), {
      fieldErrors: problems,
    });
  }
  return { text, page, perPage };
}
