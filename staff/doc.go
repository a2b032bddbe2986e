// Package staff keeps the accounts of the people who work on tickets, their roles and
// the tree of bodies they belong to, and their login sessions.
package staff
