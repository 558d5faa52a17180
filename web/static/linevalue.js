// The value of one offer line, as the server computes it when the offer is
// saved (tally.LineValue, after tally.ParseQuantity): tally.js shows it live
// on the offer form. internal/tally/testdata/line_values.json holds the cases
// both must agree on; the Go tests run them against each (linevalue_test.go
// runs this file with node).

// The limits the server keeps, tally.MaxQuantity (in thousandths) and
// tally.MaxPence. The offer form states them in data-max-quantity (in whole
// units) and data-max-pence.
export const limits = { maxQuantity: 1000000000000n * 1000n, maxPence: 10000000000000n }

// Exact decimals as BigInt in units of 10^-places, or null when the text is
// not a non-negative decimal the server would take: digits, commas only
// between thousands, at most that many decimal places (trailing zeros
// aside), and "£" before money. The server does the same sums when the
// form is saved.
export function scaled (text, places, pound) {
  let s = text.trim()
  if (pound) s = s.replace(/^£\s*/, '')
  // A digit first, or a point and a digit: ".5" and "5." are numbers too.
  if (!/^(?=\.?\d)(\d+|\d{1,3}(,\d{3})+)?(\.\d*)?$/.test(s)) return null
  let [whole, frac = ''] = s.replace(/,/g, '').split('.')
  if (frac.length > places) {
    if (/[^0]/.test(frac.slice(places))) return null
    frac = frac.slice(0, places)
  }
  return BigInt(whole + frac.padEnd(places, '0'))
}

// lineValue values a quantity as typed against a proxy value as the form
// states it (pounds per unit, no "£"): { pence } for quantity × proxy
// rounded half up to the penny, where a blank quantity is worth nothing; or
// { problem } when the server would refuse the quantity: 'number' (not a
// number of 0 or more with up to 3 decimal places), 'quantity' (more than
// max.maxQuantity) or 'value' (worth more than max.maxPence).
export function lineValue (quantity, proxy, max = limits) {
  const text = quantity.trim()
  const q = text === '' ? 0n : scaled(text, 3, false)
  if (q === null) return { problem: 'number' }
  if (q > max.maxQuantity) return { problem: 'quantity' }
  const p = scaled(proxy || '0', 4, false) ?? 0n
  // q is in thousandths and p in ten-thousandths of a pound: q × p is in
  // 1e-5 pence.
  const pence = (q * p + 50000n) / 100000n
  if (pence > max.maxPence) return { problem: 'value' }
  return { pence }
}
