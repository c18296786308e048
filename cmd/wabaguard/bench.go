package main

import (
	"context"
	"io"

	"github.com/wabaguard/wabaguard/internal/loadtest"
)

func runBench(ctx context.Context, args []string, stdout io.Writer) error {
	return loadtest.Main(ctx, args, stdout)
}
