//go:build !tour

package main

import (
	"flag"
	"io"

	"fyne.io/fyne/v2"

	"github.com/vaultlink/vaultlink/ui"
)

// Release builds have no --tour (tour.go, -tags tour): the flag stays unregistered, so
// `vaultlink --tour DIR` is refused as an unknown flag.
func tourFlag(*flag.FlagSet) *string { return new(string) }

func startTour(fyne.App, *ui.UI, fyne.Window, string, func(), func(), io.Writer) func() int {
	panic("vaultlink: this build has no tour (build with -tags tour)")
}
