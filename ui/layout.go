package ui

import "fyne.io/fyne/v2"

// formLayout lays out label/value pairs in two columns: labels take their natural width (up
// to a third of the space), values take the rest and may wrap. widget.Form would do, but it
// gives long wrapped values too little room.
type formLayout struct{}

const formGap = 8

func (formLayout) labelWidth(objs []fyne.CanvasObject, total float32) float32 {
	var w float32
	for i := 0; i < len(objs); i += 2 {
		w = max(w, objs[i].MinSize().Width)
	}
	return min(w, total/3)
}

func (l formLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	lw := l.labelWidth(objs, size.Width)
	y := float32(0)
	for i := 0; i+1 < len(objs); i += 2 {
		vw := size.Width - lw - formGap
		objs[i+1].Resize(fyne.NewSize(vw, objs[i+1].MinSize().Height))
		h := max(objs[i].MinSize().Height, objs[i+1].MinSize().Height)
		objs[i].Move(fyne.NewPos(0, y))
		objs[i].Resize(fyne.NewSize(lw, objs[i].MinSize().Height))
		objs[i+1].Move(fyne.NewPos(lw+formGap, y))
		objs[i+1].Resize(fyne.NewSize(vw, h))
		y += h + formGap
	}
}

func (l formLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var lw, vw, h float32
	for i := 0; i+1 < len(objs); i += 2 {
		lw = max(lw, objs[i].MinSize().Width)
		vw = max(vw, objs[i+1].MinSize().Width)
		h += max(objs[i].MinSize().Height, objs[i+1].MinSize().Height) + formGap
	}
	return fyne.NewSize(min(lw, 220)+formGap+vw, h)
}
