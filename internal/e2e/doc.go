// Package e2e drives Tally in a real Chromium, as its users do: the
// browser journeys from tender to dashboard, with JavaScript on and off,
// axe-core on every page they visit, and a keyboard-only offer. It holds
// tests only; they skip when Chromium is missing, except in CI.
package e2e
