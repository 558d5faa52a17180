// Tally's progressive enhancement. Every page works without it: this only
// starts GOV.UK Frontend's components and adds conveniences (live offer
// totals, filtering long tables). initAll checks browser support itself.
import { initAll } from './govuk-frontend.min.js'
import { limits, lineValue, scaled } from './linevalue.js'

initAll()

function pounds (pence) {
  const p = pence.toString().padStart(3, '0')
  const whole = p.slice(0, -2).replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  return '£' + whole + '.' + p.slice(-2)
}

// What a line shows in place of its value, for each problem lineValue names.
const lineProblems = {
  number: 'Enter a number of 0 or more, with up to 3 decimal places, like 12.5',
  quantity: 'This quantity is too large: check it',
  value: 'This quantity is worth more than £100,000,000,000: check it'
}

// Live totals on the offer form: each line's value (lineValue), the
// offer's social value, and social value as a percentage of the bid price.
// A quantity the server would refuse (letters, more than 3 decimal places,
// more than the form's data-max-quantity units, or worth more than
// data-max-pence) shows a message in place of its value, and the totals
// wait until it is fixed.
function offerTotals (form) {
  const bidInput = form.querySelector('[name="bid_price"]')
  const total = document.querySelector('[data-offer-total]')
  const percent = document.querySelector('[data-offer-percent]')
  const max = {
    maxQuantity: form.dataset.maxQuantity ? BigInt(form.dataset.maxQuantity) * 1000n : limits.maxQuantity,
    maxPence: form.dataset.maxPence ? BigInt(form.dataset.maxPence) : limits.maxPence
  }
  const update = () => {
    let sum = 0n
    let problem = null
    for (const line of form.querySelectorAll('[data-line]')) {
      const input = line.querySelector('input[name^="quantity-"]')
      const { pence: value = 0n, problem: refused } = lineValue(input ? input.value : '', line.dataset.proxy, max)
      const message = refused ? lineProblems[refused] : null
      const out = line.querySelector('[data-line-value]')
      if (out) out.textContent = message || pounds(value)
      if (message) problem = 'Check the quantities above'
      sum += value
    }
    if (!problem && sum > max.maxPence) problem = 'The offer is worth more than £100,000,000,000: check the quantities'
    if (total) total.textContent = problem || pounds(sum)
    if (!percent) return
    const bidText = bidInput ? bidInput.value.trim() : ''
    const bid = scaled(bidText, 2, true)
    if (problem) {
      percent.textContent = problem
    } else if (bidText === '') {
      percent.textContent = 'Enter a bid price'
    } else if (bid === null || bid > max.maxPence) {
      percent.textContent = 'Enter a bid price in pounds, like 250,000'
    } else if (bid === 0n) {
      percent.textContent = 'Enter a bid price of more than £0'
    } else {
      const tenths = (sum * 1000n + bid / 2n) / bid
      percent.textContent = (tenths / 10n).toString() + '.' + (tenths % 10n).toString() + '%'
    }
  }
  form.addEventListener('input', update)
  update()
}

// A "Print" button, shown only when there is a script to press it.
function printButton (button) {
  button.hidden = false
  button.addEventListener('click', () => window.print())
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
for (const button of document.querySelectorAll('[data-print]')) printButton(button)
document.documentElement.classList.add('tally-js')
