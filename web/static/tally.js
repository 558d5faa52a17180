// Tally's progressive enhancement. Every page works without it: this only
// starts GOV.UK Frontend's components (service navigation menu on small
// screens, error summary focus, notification banner focus, and so on).
// initAll checks browser support itself and does nothing when unsupported.
import { initAll } from './govuk-frontend.min.js'

initAll()
