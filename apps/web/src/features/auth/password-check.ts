import { checkPasswordLength, describePasswordProblem, PASSWORD_MIN_LENGTH } from '@gatehouse/shared';

export const NEW_PASSWORD_HINT = `At least ${PASSWORD_MIN_LENGTH} characters. A passphrase of a few words works well.`;

/**
 * The shared length rules, checked before sending so the user hears about them at once. The server
 * checks again and also refuses common passwords; its message is shown when it does.
 */
export function findPasswordProblem(password: string): string | undefined {
  const problem = checkPasswordLength(password);
  return problem ? describePasswordProblem(problem) : undefined;
}
