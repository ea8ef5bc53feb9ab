// Command emptywindow is the baseline VaultLink's window is measured against (make bench): an
// empty Fyne window of the same size, from the same Fyne, built with the same flags, with the
// same measuring hook (internal/winprof). What VaultLink's window costs beyond this is
// VaultLink's own.
package main

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/widget"

	"github.com/vaultlink/vaultlink/internal/winprof"
)

func main() {
	a := app.NewWithID("io.github.vaultlink.emptywindow")
	w := a.NewWindow("Empty")
	// A label, because a window with no content is not painted when shown.
	w.SetContent(widget.NewLabel(""))
	w.Resize(fyne.NewSize(1180, 780))
	prof := winprof.Attach(a, w)
	w.ShowAndRun()
	prof.Write()
}
