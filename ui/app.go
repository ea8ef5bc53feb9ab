// Package ui is VaultLink's desktop window (Fyne). It only shows and asks: every action goes to
// the wizard session, off the UI goroutine, and results come back through fyne.DoAndWait.
package ui

import (
	"context"
	"fmt"
	"image/color"
	"strings"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/vaultlink/vaultlink/wizard"
)

// Info is what the window tells the admin about where things happen.
type Info struct {
	Practice       bool
	KeyringName    string
	KeyringNotice  string // why secrets are kept in memory only, if they are
	PracticeNotice string // why practice progress started over, if it did
	AWSEndpoint    string
	SSURL          string
	StatePath      string
	AuditPath      string
	// PracticeCLI are the AWS CLI commands that set up the practice operator's profile and
	// reach the practice AWS (practice mode only), so practice can include the CLI.
	PracticeCLI []string
	// Live mode's AWS choices: the admin's profiles, the one in use, and endpoint overrides
	// from the environment.
	Profiles  []string
	Profile   string
	Region    string
	Endpoints map[string]string
	// EnvProfile is AWS_PROFILE from the environment in practice mode, which does not use it:
	// the welcome page says so, in case the admin expected that account.
	EnvProfile string
}

// UI is the main window's content and navigation.
type UI struct {
	win  fyne.Window
	s    *wizard.Session
	info Info

	covered *widget.Label
	sidebar *fyne.Container
	page    *fyne.Container
	scroll  *container.Scroll
	log     *activityLog

	busy   sync.WaitGroup
	mu     sync.Mutex
	cancel context.CancelFunc
	// stopRotation stops the key rotation while one runs (the Health page's Cancel and Esc);
	// it is kept apart from cancel, which the health check started beside it takes over.
	stopRotation context.CancelFunc
	rotating     bool // a key rotation is running (touched on the UI goroutine only)
	// onMain serializes callbacks that touch widgets. On a real display fyne.Do already runs
	// them one at a time on the main goroutine; Fyne's test driver runs them on the caller's
	// goroutine, so without this two finishing operations could touch widgets at once.
	onMain sync.Mutex

	current string // "welcome", "connections", "step:<module>/<step>", "check:<module>", "complete", "health"
	step    *stepPage
	check   *checkPage
	health  *healthPage
	start   *widget.Button // the welcome page's main button
}

// New builds the window's content for a session and shows the welcome page, or, on a finished
// run, the Health page (which checks at once; the summary is a button away).
func New(win fyne.Window, s *wizard.Session, info Info) *UI {
	u := &UI{win: win, s: s, info: info}
	u.covered = widget.NewLabelWithStyle("", fyne.TextAlignTrailing, fyne.TextStyle{Bold: true})
	u.sidebar = container.NewVBox()
	u.page = container.NewStack()
	u.log = newActivityLog()
	s.Subscribe(func(e wizard.Event) { fyne.Do(func() { u.onMain.Lock(); defer u.onMain.Unlock(); u.log.add(e) }) })

	if appIcon == nil {
		appIcon = theme.StorageIcon()
	}
	header := container.NewBorder(nil, nil,
		container.NewHBox(widget.NewIcon(appIcon), widget.NewLabelWithStyle("VaultLink", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
			widget.NewLabel("AWS Secrets Manager × Delinea Secret Server")),
		container.NewHBox(modeBadge(info.Practice), u.covered))
	split := container.NewVSplit(u.page, u.log.view())
	split.Offset = 0.8
	side := container.NewBorder(widget.NewLabelWithStyle("Modules", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), nil, nil, nil,
		container.NewVScroll(u.sidebar))
	body := container.NewHSplit(side, split)
	body.Offset = 0.27
	win.SetContent(container.NewBorder(container.NewVBox(container.NewPadded(header), widget.NewSeparator()), nil, nil, nil, body))
	u.bindKeys()
	u.refreshChrome()
	if _, _, done := s.Resume(); done {
		u.ShowHealth()
	} else {
		u.ShowWelcome()
	}
	return u
}

var appIcon fyne.Resource

// SetIcon sets the icon shown in the header (the application icon).
func SetIcon(r fyne.Resource) { appIcon = r }

// modeBadge says PRACTICE or LIVE in a coloured box that is always visible.
func modeBadge(practice bool) fyne.CanvasObject {
	text, fill := "LIVE", color.NRGBA{R: 0x15, G: 0x80, B: 0x3d, A: 0xff}
	if practice {
		text, fill = "PRACTICE", color.NRGBA{R: 0xc2, G: 0x41, B: 0x0c, A: 0xff}
	}
	bg := canvas.NewRectangle(fill)
	bg.CornerRadius = 6
	label := canvas.NewText(" "+text+" ", color.White)
	label.TextStyle = fyne.TextStyle{Bold: true}
	return container.NewCenter(container.NewStack(bg, container.NewPadded(label)))
}

// refreshChrome updates the sidebar and the "Modules covered" counter.
func (u *UI) refreshChrome() {
	g := u.s.Guide()
	u.covered.SetText(fmt.Sprintf("Modules covered %d / %d", u.s.Covered(), len(g.Modules)))
	objs := []fyne.CanvasObject{
		u.navButton("Welcome", theme.HomeIcon(), u.current == "welcome", true, u.ShowWelcome),
		u.navButton("Connections", theme.SettingsIcon(), u.current == "connections", true, u.ShowConnections),
	}
	for _, m := range g.Modules {
		st := u.s.ModuleStatus(m.ID)
		icon := map[wizard.ModuleStatus]fyne.Resource{
			wizard.Locked: theme.VisibilityOffIcon(), wizard.Available: theme.NavigateNextIcon(),
			wizard.CheckPending: theme.QuestionIcon(), wizard.Covered: theme.ConfirmIcon(),
		}[st]
		id := m.ID
		label := fmt.Sprintf("%02d  %s", m.Number, m.Title)
		if st == wizard.Locked {
			label += " (locked)"
		}
		active := u.current == "check:"+id || (strings.HasPrefix(u.current, "step:") && u.step != nil && u.step.ref.Module == id)
		objs = append(objs, u.navButton(label, icon, active, st != wizard.Locked, func() { u.openModule(id) }))
	}
	_, _, done := u.s.Resume()
	objs = append(objs, u.navButton("Training summary", theme.DocumentIcon(), u.current == "complete", done, u.ShowComplete),
		// The health check has something to compare once module 1 made the user.
		u.navButton("Health", theme.InfoIcon(), u.current == "health", u.s.Progress().UserName != "", u.ShowHealth))
	u.sidebar.Objects = objs
	u.sidebar.Refresh()
}

func (u *UI) navButton(label string, icon fyne.Resource, active, enabled bool, tap func()) *widget.Button {
	b := widget.NewButtonWithIcon(label, icon, tap)
	b.Alignment = widget.ButtonAlignLeading
	if active {
		b.Importance = widget.HighImportance
	} else {
		b.Importance = widget.LowImportance
	}
	if !enabled {
		b.Disable()
	}
	return b
}

// openModule goes to the module's next step, or its check when only that remains.
func (u *UI) openModule(id string) {
	switch u.s.ModuleStatus(id) {
	case wizard.Locked:
		return
	case wizard.CheckPending:
		u.ShowCheck(id)
	default:
		if ref, ok := u.s.NextStep(id); ok {
			u.ShowStep(ref)
			return
		}
		m, _ := u.s.Guide().Module(id)
		u.ShowStep(wizard.StepRef{Module: id, Step: m.Steps[0].ID})
	}
}

func (u *UI) show(id string, content fyne.CanvasObject) {
	if u.current != "" && u.current != id {
		// Settings typed on the page being left are saved now (typing itself saves nothing),
		// off the UI goroutine.
		go func() { _ = u.s.Flush() }() // a failure is reported in the activity log

	}
	u.current = id
	u.scroll = container.NewVScroll(container.NewPadded(content))
	u.page.Objects = []fyne.CanvasObject{u.scroll}
	u.page.Refresh()
	u.refreshChrome()
}

// scrollToEnd shows the end of the page, where a step's result appears.
func (u *UI) scrollToEnd() {
	if u.scroll != nil {
		u.scroll.ScrollToBottom()
	}
}

// background runs fn off the UI goroutine and then, on it, done. WaitIdle waits for both.
func (u *UI) background(fn func(), done func()) {
	u.busy.Add(1)
	go func() {
		defer u.busy.Done()
		fn()
		fyne.DoAndWait(func() {
			u.onMain.Lock()
			defer u.onMain.Unlock()
			done()
		})
	}()
}

// operation returns a context for one background call (a clean-up, a connection switch or
// check, suggestions, a confirmation) that Esc and the Cancel button cancel like a step's,
// and the func that ends it.
func (u *UI) operation() (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	u.mu.Lock()
	u.cancel = cancel
	u.mu.Unlock()
	return ctx, cancel
}

// WaitIdle blocks until no step or answer is being processed (tests and the screenshot tour).
func (u *UI) WaitIdle() { u.busy.Wait() }

// Current names the page on show.
func (u *UI) Current() string { return u.current }

// Session is the wizard session the window shows.
func (u *UI) Session() *wizard.Session { return u.s }
