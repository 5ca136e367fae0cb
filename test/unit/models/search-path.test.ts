import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { userModelsDir } from '../../../src/core/paths';
import {
  modelSearchPath,
  resourcesModelsDir,
  setResourcesDir,
  splitModelsPath,
  starterModelsDir,
} from '../../../src/core/models';
import { repoRoot } from '../../helpers/paths';

afterEach(() => setResourcesDir(undefined));

describe('model search path (DESIGN.md order)', () => {
  it('is FACEGATE_MODELS_PATH, the user folder, resources/models, then the npm starter pack', () => {
    const env = { FACEGATE_MODELS_PATH: '/a/models:/b/models', FACEGATE_DATA_DIR: '/data/facegate' };
    expect(modelSearchPath(env)).toEqual([
      '/a/models',
      '/b/models',
      userModelsDir(env),
      path.join(repoRoot, 'resources', 'models'),
      starterModelsDir(),
    ]);
    expect(userModelsDir(env)).toBe('/data/facegate/models');
  });

  it('drops empty entries and duplicates, and resolves relative folders', () => {
    const env = { FACEGATE_MODELS_PATH: '::rel/models:/x:/x:', FACEGATE_DATA_DIR: '/x/..' };
    const dirs = modelSearchPath(env);
    expect(dirs[0]).toBe(path.resolve('rel/models'));
    expect(dirs.filter((d) => d === '/x')).toHaveLength(1);
  });

  it('splits on semicolons on Windows, where colons follow drive letters', () => {
    expect(splitModelsPath('C:\\models;D:\\more', 'win32')).toHaveLength(2);
    expect(splitModelsPath('/a:/b', 'linux')).toEqual(['/a', '/b']);
    expect(splitModelsPath(undefined)).toEqual([]);
  });

  it('finds resources/models from the sources, and honours FACEGATE_RESOURCES_DIR and setResourcesDir', () => {
    expect(resourcesModelsDir({})).toBe(path.join(repoRoot, 'resources', 'models'));
    setResourcesDir('/opt/FaceGate/resources');
    expect(resourcesModelsDir({})).toBe('/opt/FaceGate/resources/models');
    expect(resourcesModelsDir({ FACEGATE_RESOURCES_DIR: '/env/resources' })).toBe('/env/resources/models');
  });

  it("points at the installed faceplugin package's model folder", () => {
    expect(starterModelsDir()).toBe(
      path.join(repoRoot, 'node_modules', 'faceplugin-face-recognition-js', 'model'),
    );
  });
});
