import { statSync } from 'node:fs';
import path from 'node:path';
import type { ModelSpec } from './catalog-schema';
import { modelSearchPath } from './search-path';

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The paths a model is looked for at, in order: <root>/<folder>/<fileName>, then <root>/<fileName>, per root. */
export function modelCandidates(
  spec: Pick<ModelSpec, 'fileName' | 'folder'>,
  searchPath: string[],
): string[] {
  return searchPath.flatMap((root) => [
    ...(spec.folder ? [path.join(root, spec.folder, spec.fileName)] : []),
    path.join(root, spec.fileName),
  ]);
}

/** The first existing file for the model along the search path, or undefined. Not checksummed. */
export function locateModel(
  spec: Pick<ModelSpec, 'fileName' | 'folder'>,
  searchPath: string[] = modelSearchPath(),
): string | undefined {
  return modelCandidates(spec, searchPath).find(isFile);
}
