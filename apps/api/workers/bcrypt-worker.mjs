// Worker thread for the password hasher (apps/api/src/auth/password-hasher.ts). bcryptjs is pure
// JavaScript: run on the main thread, one hash at cost 12 would block every other request for
// a quarter of a second. Plain .mjs so the same file serves the built app and the tests.
import bcrypt from 'bcryptjs';

export default function run(task) {
  if (task.op === 'hash') return bcrypt.hash(task.password, task.cost);
  if (task.op === 'verify') return bcrypt.compare(task.password, task.hash);
  throw new Error(`unknown op ${task.op}`);
}
