// Package uitest drives VaultLink's window in tests the way a person does: find a button by
// its label and tap it, read everything the window renders.
package uitest

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// Walk visits every object the canvas renders, widgets through their renderers.
func Walk(o fyne.CanvasObject, visit func(fyne.CanvasObject)) {
	if o == nil {
		return
	}
	visit(o)
	switch x := o.(type) {
	case *fyne.Container:
		for _, c := range x.Objects {
			Walk(c, visit)
		}
	case fyne.Widget:
		for _, c := range test.WidgetRenderer(x).Objects() {
			Walk(c, visit)
		}
	}
}

// Text is all text the window renders, visible or not, one string per text object. Dialogs are
// overlays, not content: read them with TextIn(c.Overlays().Top()).
func Text(c fyne.Canvas) []string {
	return TextIn(c.Content())
}

// TextIn is all text rendered under o (a dialog, say), visible or not.
func TextIn(o fyne.CanvasObject) []string {
	var out []string
	Walk(o, func(o fyne.CanvasObject) {
		switch x := o.(type) {
		case *canvas.Text:
			out = append(out, x.Text)
		case *widget.Entry:
			out = append(out, x.Text)
		}
	})
	return out
}

// Button finds the visible, enabled-or-not button whose label starts with prefix.
func Button(t *testing.T, c fyne.Canvas, prefix string) *widget.Button {
	t.Helper()
	var found *widget.Button
	Walk(c.Content(), func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok && b.Visible() && strings.HasPrefix(b.Text, prefix) && found == nil {
			found = b
		}
	})
	if found == nil {
		t.Fatalf("no button %q on screen; the window shows:\n%s", prefix, strings.Join(Text(c), " | "))
	}
	return found
}

// Tap taps the button labelled prefix, failing the test if it is disabled.
func Tap(t *testing.T, c fyne.Canvas, prefix string) {
	t.Helper()
	b := Button(t, c, prefix)
	if b.Disabled() {
		t.Fatalf("button %q is disabled", b.Text)
	}
	test.Tap(b)
}

// Radio returns the first radio group on screen.
func Radio(t *testing.T, c fyne.Canvas) *widget.RadioGroup {
	t.Helper()
	var found *widget.RadioGroup
	Walk(c.Content(), func(o fyne.CanvasObject) {
		if r, ok := o.(*widget.RadioGroup); ok && found == nil {
			found = r
		}
	})
	if found == nil {
		t.Fatal("no radio group on screen")
	}
	return found
}

// Shows reports whether some rendered text contains s.
func Shows(c fyne.Canvas, s string) bool {
	for _, t := range Text(c) {
		if strings.Contains(t, s) {
			return true
		}
	}
	return false
}

// TapInDialog taps the button labelled label in the dialog on top of the canvas, failing the
// test when no dialog is shown or it has no such button.
func TapInDialog(t *testing.T, c fyne.Canvas, label string) {
	t.Helper()
	overlay := c.Overlays().Top()
	if overlay == nil {
		t.Fatalf("no dialog is shown (wanted one with %q)", label)
	}
	var found *widget.Button
	Walk(overlay, func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok && b.Text == label {
			found = b
		}
	})
	if found == nil {
		t.Fatalf("the dialog has no %q button", label)
	}
	test.Tap(found)
}
