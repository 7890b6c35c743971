// Package pgtest gives tests a PostgreSQL schema of their own on the test
// server (RAMPART_TEST_POSTGRES, or the local server's test database).
package pgtest
