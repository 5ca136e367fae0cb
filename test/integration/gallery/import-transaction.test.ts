import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaceAnalyzer } from '../../../src/core/face';
import { Gallery } from '../../../src/core/gallery/gallery';
import { importFolder } from '../../../src/core/gallery/import-folder';
import { hasSharedFaces, hasSharedModels, identityPhotos, sharedModelsDir } from '../../helpers/paths';
import { skipWithout } from '../../helpers/fixtures';

/**
 * One photo's import is one transaction: the template and the "this photo was imported" record
 * exist together or not at all. A failure injected between the two writes (standing in for a
 * kill at that moment) leaves nothing, and the re-run enrols the photo exactly once.
 */

process.env.FACEGATE_MODELS_PATH = sharedModelsDir;
const ready = hasSharedModels && hasSharedFaces;

describe.skipIf(skipWithout('../shared/models and ../shared/faces', ready))(
  'importing one photo (needs ../shared/models and ../shared/faces)',
  () => {
    let dir: string;
    let analyzer: FaceAnalyzer;

    beforeAll(async () => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'facegate-import-txn-'));
      const photo = identityPhotos()[0];
      mkdirSync(path.join(dir, 'people', 'Ada Lovelace'), { recursive: true });
      copyFileSync(photo.path, path.join(dir, 'people', 'Ada Lovelace', `one${path.extname(photo.path)}`));
      analyzer = await FaceAnalyzer.load();
    });
    afterAll(async () => {
      await analyzer?.release();
      rmSync(dir, { recursive: true, force: true });
    });

    it('keeps neither the template nor the person when the import record fails, and enrols once on re-run', async () => {
      const gallery = Gallery.open(path.join(dir, 'facegate.db'));
      const options = { engine: analyzer, duplicateThreshold: 0.5, actor: 'test', force: true };
      gallery.db.sqlite.exec(`
      CREATE TEMP TRIGGER fail_import BEFORE INSERT ON import_sources
      BEGIN SELECT RAISE(ABORT, 'injected failure between the template and the import record'); END;`);
      await expect(importFolder(gallery, path.join(dir, 'people'), options)).rejects.toThrow(
        /injected failure/,
      );
      expect(gallery.templates.count()).toBe(0);
      expect(gallery.people.count()).toBe(0);

      gallery.db.sqlite.exec('DROP TRIGGER fail_import');
      const again = await importFolder(gallery, path.join(dir, 'people'), options);
      expect(again.added).toBe(1);
      const third = await importFolder(gallery, path.join(dir, 'people'), options);
      expect(third.added).toBe(0);
      expect(third.alreadyImported).toBe(1);
      expect(gallery.templates.count()).toBe(1);
      expect(gallery.people.count()).toBe(1);
      gallery.close();
    });
  },
);
