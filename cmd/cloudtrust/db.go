package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/cloudtrust/cloudtrust/sqldb"
)

// openDB opens the configured database and applies pending migrations, so
// that every command sees the current schema.
func openDB(ctx context.Context, c dbConfig, logger *slog.Logger) (*sqldb.DB, error) {
	dsn, err := c.DSN()
	if err != nil {
		return nil, err
	}
	db, err := sqldb.Open(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", c.Describe(), err)
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("migrate database %s: %w", c.Describe(), err)
	}
	logger.Info("database ready", "dialect", db.Dialect(), "database", c.Describe())
	return db, nil
}
