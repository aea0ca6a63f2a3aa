import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The absolute path of a file named the way diagnostics and provenance name it (relative to the current directory). */
export function absolutePath(shown: string): string {
  return path.resolve(shown);
}

/** file:// URI → absolute path; undefined for other schemes (untitled buffers, remote files). */
export function uriToPath(uri: string): string | undefined {
  return uri.startsWith('file:') ? fileURLToPath(uri) : undefined;
}

/** Absolute path → file:// URI. */
export function pathToUri(file: string): string {
  return pathToFileURL(file).href;
}
