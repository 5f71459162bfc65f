//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package pgembed

import "context"

// Cluster is one process's attachment to the shared cluster. On this operating
// system there is never one: Start fails with ErrUnsupported.
type Cluster struct{}

// Start returns ErrUnsupported: the embedded cluster cannot run here.
func Start(context.Context, Options) (*Cluster, error) { return nil, ErrUnsupported }

// URL is the connection string for Tollgate's database in this cluster.
func (c *Cluster) URL() string { return "" }

// SocketDir is the folder holding the cluster's Unix socket.
func (c *Cluster) SocketDir() string { return "" }

// Close detaches from the cluster.
func (c *Cluster) Close() error { return nil }

// Stop returns ErrUnsupported: there is no embedded cluster to stop here.
func Stop(context.Context, string, string) error { return ErrUnsupported }

// Running reports false: no embedded cluster runs here.
func Running(context.Context, string, string) bool { return false }

// FindBinDir returns ErrUnsupported: the server binaries are of no use here.
func FindBinDir() (string, error) { return "", ErrUnsupported }
