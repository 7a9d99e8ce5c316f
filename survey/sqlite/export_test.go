package sqlite

import "database/sql"

// DB exposes the pool to the black-box tests, to check connection pragmas.
func (s *Store) DB() *sql.DB { return s.db }
