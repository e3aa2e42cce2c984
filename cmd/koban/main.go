// Command koban is the koban server and its tools; see `koban help`.
package main

import (
	"context"
	"os"

	"github.com/koban-project/koban/internal/app"
)

func main() {
	os.Exit(app.Run(context.Background(), app.Env{
		Args: os.Args[1:], Getenv: os.Getenv, Environ: os.Environ(),
		Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr,
	}))
}
