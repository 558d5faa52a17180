// Builds Tally's static assets into ../static:
//   tally.css             compiled from tally.scss (GOV.UK Frontend + Tally styles)
//   govuk-frontend.min.js GOV.UK Frontend's ES module (imported by tally.js)
//   fonts/*.woff2         Inter, latin subset, weights 400 and 700
// tally.js, linevalue.js and images/favicon.svg are hand-written and live in
// ../static already.
import { copyFile, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as sass from 'sass'

const here = dirname(fileURLToPath(import.meta.url))
const out = join(here, '..', 'static')
const govuk = join(here, 'node_modules', 'govuk-frontend', 'dist', 'govuk')
const fonts = join(here, 'node_modules', '@fontsource', 'inter', 'files')
const fontFiles = ['inter-latin-400-normal.woff2', 'inter-latin-700-normal.woff2']

const css = sass.compile(join(here, 'tally.scss'), {
  style: 'compressed',
  sourceMap: false,
  importers: [new sass.NodePackageImporter(here)],
  // GOV.UK Frontend's own deprecation notices are not ours to fix.
  quietDeps: true
})
await writeFile(join(out, 'tally.css'), css.css + '\n')

// Drop the sourceMappingURL comment: we do not ship source maps.
const js = await readFile(join(govuk, 'govuk-frontend.min.js'), 'utf8')
await writeFile(join(out, 'govuk-frontend.min.js'),
  js.replace(/\n?\/\/# sourceMappingURL=\S+\s*$/, '') + '\n')

await mkdir(join(out, 'fonts'), { recursive: true })
for (const f of await readdir(join(out, 'fonts'))) {
  if (f.endsWith('.woff2') && !fontFiles.includes(f)) await rm(join(out, 'fonts', f))
}
for (const f of fontFiles) await copyFile(join(fonts, f), join(out, 'fonts', f))

// Licence texts travel with the files they cover.
await copyFile(join(here, 'node_modules', '@fontsource', 'inter', 'LICENSE'), join(out, 'fonts', 'LICENSE-inter.txt'))

console.log('built', out)
