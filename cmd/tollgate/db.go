package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tollgatehq/tollgate/billing"
	"github.com/tollgatehq/tollgate/pgembed"
)

func newMigrateCmd(cfg *config) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Apply or list database migrations",
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "up",
		Short: "Apply every pending migration",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, err := openDatabase(cmd.Context(), cfg, true)
			if err != nil {
				return err
			}
			defer db.Close()
			fmt.Fprintln(cfg.stdout, "migrations applied")
			return nil
		},
	}, &cobra.Command{
		Use:   "status",
		Short: "List migrations and whether each is applied",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, err := openDatabase(cmd.Context(), cfg, false)
			if err != nil {
				return err
			}
			defer db.Close()
			st, err := billing.MigrationStatuses(cmd.Context(), db.pool)
			if err != nil {
				return err
			}
			for _, s := range st {
				state := "pending"
				if s.Applied {
					state = "applied"
				}
				fmt.Fprintf(cfg.stdout, "%05d  %-8s %s\n", s.Version, state, s.Name)
			}
			return nil
		},
	})
	return cmd
}

func newDBCmd(cfg *config) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "db",
		Short: "Manage the embedded database",
		Long: `Manage the embedded PostgreSQL cluster in --data-dir.

The cluster is started by the first Tollgate process that needs it and stopped by
the last one to exit. A process that is killed outright leaves it running; the next
start reuses it, and "tollgate db stop" stops it.`,
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "stop",
		Short: "Stop the embedded database (processes still using it lose their connections)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := pgembed.Stop(cmd.Context(), cfg.dataDir, ""); err != nil {
				return err
			}
			fmt.Fprintln(cfg.stdout, "embedded database stopped")
			return nil
		},
	}, &cobra.Command{
		Use:   "status",
		Short: "Say whether the embedded database is running",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			bin, err := pgembed.FindBinDir()
			if err != nil {
				return err
			}
			if pgembed.Running(cmd.Context(), cfg.dataDir, bin) {
				fmt.Fprintln(cfg.stdout, "running in", cfg.dataDir)
			} else {
				fmt.Fprintln(cfg.stdout, "stopped")
			}
			return nil
		},
	})
	return cmd
}
