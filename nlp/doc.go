// Package nlp reads a Chinese complaint about an official's conduct: it normalises the
// text, segments it, classifies it into the conduct categories of DOMAIN.md, extracts the
// subject and signals, routes it by the configured rules and fingerprints it.
//
// Everything is loaded once by New; an Analyzer does no I/O afterwards and is safe for
// concurrent use.
package nlp
