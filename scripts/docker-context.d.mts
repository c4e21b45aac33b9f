/** Build-context paths (POSIX, relative to `root`) that root/.dockerignore keeps, sorted. */
export function listBuildContext(root: string): string[];
