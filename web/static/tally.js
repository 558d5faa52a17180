// Tally's progressive enhancement. Every page works without it: this only
// starts GOV.UK Frontend's components and adds conveniences (live offer
// totals, filtering long tables). initAll checks browser support itself.
import { initAll } from './govuk-frontend.min.js'

initAll()

// Exact decimals as BigInt in units of 10^-places, or null when the text is
// not a plain non-negative decimal with at most that many places. The
// server does the same sums when the form is saved.
function scaled (text, places) {
  const s = text.trim().replace(/^£/, '').replace(/,/g, '')
  if (!/^\d+(\.\d+)?$/.test(s)) return null
  let [whole, frac = ''] = s.split('.')
  if (frac.length > places) {
    if (/[^0]/.test(frac.slice(places))) return null
    frac = frac.slice(0, places)
  }
  return BigInt(whole + frac.padEnd(places, '0'))
}

function pounds (pence) {
  const p = pence.toString().padStart(3, '0')
  const whole = p.slice(0, -2).replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  return '£' + whole + '.' + p.slice(-2)
}

// Live totals on the offer form: each line's value (quantity × proxy,
// rounded half up to the penny), the offer's social value, and social
// value as a percentage of the bid price.
function offerTotals (form) {
  const bidInput = form.querySelector('[name="bid_price"]')
  const total = document.querySelector('[data-offer-total]')
  const percent = document.querySelector('[data-offer-percent]')
  const update = () => {
    let sum = 0n
    for (const line of form.querySelectorAll('[data-line]')) {
      const proxy = scaled(line.dataset.proxy || '0', 4)
      const input = line.querySelector('input[name^="quantity-"]')
      const q = input ? scaled(input.value, 3) : null
      const value = q !== null && proxy !== null ? (q * proxy + 50000n) / 100000n : 0n
      sum += value
      const out = line.querySelector('[data-line-value]')
      if (out) out.textContent = pounds(value)
    }
    if (total) total.textContent = pounds(sum)
    const bid = bidInput ? scaled(bidInput.value, 2) : null
    if (percent) {
      if (bid === null || bid === 0n) {
        percent.textContent = 'Enter a bid price'
      } else {
        const tenths = (sum * 1000n + bid / 2n) / bid
        percent.textContent = (tenths / 10n).toString() + '.' + (tenths % 10n).toString() + '%'
      }
    }
  }
  form.addEventListener('input', update)
  update()
}

// A search box that hides table rows not containing its words.
function tableFilter (input) {
  const table = document.getElementById(input.dataset.filterTable)
  if (!table) return
  input.addEventListener('input', () => {
    const words = input.value.toLowerCase().split(/\s+/).filter(Boolean)
    for (const row of table.tBodies[0].rows) {
      const text = row.textContent.toLowerCase()
      const checked = row.querySelector('input[type="checkbox"]:checked')
      row.hidden = !checked && !words.every((w) => text.includes(w))
    }
  })
}

for (const form of document.querySelectorAll('[data-offer-form]')) offerTotals(form)
for (const input of document.querySelectorAll('[data-filter-table]')) tableFilter(input)
document.documentElement.classList.add('tally-js')
