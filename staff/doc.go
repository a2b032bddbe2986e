// Package staff keeps the accounts of the people who work on tickets, their roles and
// the tree of bodies they belong to, their login sessions, and the hash-chained admin
// trail of every change to an account.
package staff
