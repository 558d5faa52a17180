// Runs the cases of a line value table (internal/tally/testdata/line_values.json)
// against lineValue in linevalue.js: node line_values.mjs LINEVALUE_JS TABLE_JSON.
// Prints each case that differs, then how many cases ran; exits 1 if any differ.
import { readFileSync } from 'node:fs'

const [source, tablePath] = process.argv.slice(2)
// A data: URL is always an ES module, whatever package.json is nearby.
const { lineValue } = await import('data:text/javascript,' + encodeURIComponent(readFileSync(source, 'utf8')))
const { cases } = JSON.parse(readFileSync(tablePath, 'utf8'))

let differ = 0
for (const c of cases) {
  const got = lineValue(c.quantity, c.proxy)
  const want = c.refused ? { problem: c.refused } : { pence: BigInt(c.pence) }
  if (got.problem !== want.problem || got.pence !== want.pence) {
    differ++
    console.log(`${JSON.stringify(c.quantity)} × £${c.proxy} = ${got.pence ?? '-'} pence, refused ${JSON.stringify(got.problem ?? '')}; ` +
      `want ${want.pence ?? '-'}, ${JSON.stringify(want.problem ?? '')} (${c.why})`)
  }
}
console.log(`${cases.length} cases`)
process.exit(differ ? 1 : 0)
