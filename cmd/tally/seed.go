package main

import (
	"context"
	"errors"
	"io"
)

func seed(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	return errors.New("seed: not yet")
}
