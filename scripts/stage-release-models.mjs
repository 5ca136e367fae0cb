// Release packaging: downloads into DIR (resources/models, which electron-builder bundles) every
// pack whose models all allow commercial use and can be fetched file by file, with
// `facegate models download` (HTTPS, sha256-checked against the catalog). The starter pack is left
// out: it ships inside its npm package. Non-commercial packs are never bundled.
import { execFileSync } from 'node:child_process';

const dir = process.argv[2] ?? 'resources/models';
const facegate = (args) => execFileSync(process.execPath, ['bin/facegate.js', ...args], { encoding: 'utf8' });
const archive = /\.(zip|tgz|tar\.gz|tar)(\?.*)?$/i;
const { packs } = JSON.parse(facegate(['models', '--json']));
const bundled = packs.filter(
  (p) =>
    p.commercialUse && p.files.every((f) => f.licence.commercialUse && f.urls.some((u) => !archive.test(u))),
);
if (bundled.length === 0) throw new Error('No pack may be bundled: check resources/models/catalog.json.');
for (const pack of bundled) {
  console.log(`Bundling pack '${pack.id}' (${pack.licences.join(' + ')})`);
  execFileSync(process.execPath, ['bin/facegate.js', 'models', 'download', pack.id, '--dir', dir], {
    stdio: 'inherit',
  });
}
