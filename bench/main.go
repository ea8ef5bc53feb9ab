//go:build !windows

// Command bench is `make bench`: VaultLink's speed and memory, each measured next to a peer.
//
//   - apply: `vaultlink apply --live` against a fresh moto_server and the practice Secret
//     Server (which syncs into that moto), alternated with bench/boto3_apply.py, the plain
//     boto3 script an admin would write for the same AWS calls. Medians of wall and CPU time,
//     peak RSS, calls made, and the ratio.
//   - practice: `vaultlink apply --practice` (its own simulators, in process).
//   - go: the Go benchmarks (go test -bench), then the new-key wait's overshoot against the
//     practice AWS's key delay (BenchmarkKeyPropagation).
//   - window: time to first frame and peak RSS of the practice window against an empty Fyne
//     window built with the same flags, both idle; then the practice window walking every
//     page (--tour). Both report the Go heap in use after a GC (internal/winprof).
//
// It runs inside .ci/with-keyring and xvfb-run (see the Makefile). Nothing here is a pass/fail
// test: timings on a shared machine vary; the figures are medians of several runs.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/vaultlink/vaultlink/internal/winprof"
	"github.com/vaultlink/vaultlink/services/aws/awstest"
	"github.com/vaultlink/vaultlink/services/sandbox/sssim"
)

var (
	vaultlinkBin = flag.String("vaultlink", "build/vaultlink", "the VaultLink binary (make build)")
	emptyBin     = flag.String("empty", "build/emptywindow", "the empty Fyne window (bench/emptywindow, built with the same flags)")
	motoBin      = flag.String("moto", os.Getenv("VAULTLINK_MOTO_SERVER"), "moto_server (.ci/moto)")
	python       = flag.String("python", "", "a Python with boto3 (default: moto_server's own interpreter, which has it)")
	runs         = flag.Int("runs", 5, "runs of each measurement (medians are reported)")
	tourRuns     = flag.Int("tour-runs", 2, "runs of the window's full tour (about 40 s each)")
	only         = flag.String("only", "apply,practice,go,propagation,window", "which parts to run")
)

func main() {
	flag.Parse()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func want(part string) bool { return slices.Contains(strings.Split(*only, ","), part) }

func run() error {
	host, _ := os.Hostname()
	fmt.Printf("VaultLink benchmarks, %s, on %s: %s\n", time.Now().UTC().Format("2006-01-02 15:04 MST"), host, machine())
	fmt.Printf("load average at start: %s\n\n", loadavg())
	for _, p := range []struct {
		name string
		fn   func() error
	}{{"apply", benchApply}, {"practice", benchPractice}, {"go", benchGo}, {"propagation", benchPropagation}, {"window", benchWindow}} {
		if !want(p.name) {
			continue
		}
		if err := p.fn(); err != nil {
			return fmt.Errorf("%s: %w", p.name, err)
		}
		fmt.Println()
	}
	fmt.Printf("load average at end: %s\n", loadavg())
	return nil
}

// ---- measuring one process ----

// sample is one measured process: wall time, CPU time (user+system) and peak resident set,
// from the kernel's accounting of that process (wait4), plus what the run reports.
type sample struct {
	wall, cpu time.Duration
	rss       uint64 // bytes
	note      string
}

func measure(cmd *exec.Cmd) (sample, error) {
	var out, errb bytes.Buffer
	if cmd.Stdout == nil {
		cmd.Stdout = &out
	}
	cmd.Stderr = &errb
	start := time.Now()
	err := cmd.Run()
	s := sample{wall: time.Since(start)}
	if cmd.ProcessState != nil {
		s.cpu, s.rss = usage(cmd.ProcessState)
	}
	if err != nil {
		return s, fmt.Errorf("%s: %v\n%s%s", filepath.Base(cmd.Path), err, tail(out.String()), tail(errb.String()))
	}
	s.note = out.String()
	return s, nil
}

func usage(ps *os.ProcessState) (time.Duration, uint64) {
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok {
		return ps.UserTime() + ps.SystemTime(), 0
	}
	rss := uint64(ru.Maxrss) * 1024 // Linux reports kB
	if runtime.GOOS == "darwin" {
		rss = uint64(ru.Maxrss) // macOS reports bytes
	}
	return ps.UserTime() + ps.SystemTime(), rss
}

func tail(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > 15 {
		lines = lines[len(lines)-15:]
	}
	if len(lines) == 1 && lines[0] == "" {
		return ""
	}
	return strings.Join(lines, "\n") + "\n"
}

func median[T int64 | uint64 | time.Duration | float64](xs []T) T {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

type series struct {
	name    string
	samples []sample
}

func (s *series) med() (wall, cpu time.Duration, rss uint64) {
	var w, c []time.Duration
	var r []uint64
	for _, x := range s.samples {
		w, c, r = append(w, x.wall), append(c, x.cpu), append(r, x.rss)
	}
	return median(w), median(c), median(r)
}

func secs(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }
func mib(b uint64) string         { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }

func spread(s *series) string {
	var w []string
	for _, x := range s.samples {
		w = append(w, fmt.Sprintf("%.2f", x.wall.Seconds()))
	}
	return strings.Join(w, " ")
}

// ---- apply: VaultLink against moto and the practice Secret Server, and boto3 ----

const region = "us-east-1"

type motoEnv struct {
	m              *awstest.Moto
	opID, opSecret string
}

// freshMoto starts a new moto_server, makes the operator (an IAM user with an administrator
// policy, as moto's enforcement needs) and an existing secret to pull, touches IAM, STS and
// Secrets Manager once (moto imports each service's code on its first request, which would
// otherwise be billed to whichever client came first), and switches enforcement on.
func freshMoto(ctx context.Context) (*motoEnv, error) {
	m, err := awstest.Launch()
	if err != nil {
		return nil, err
	}
	cfg := func(id, secret string) aws.Config {
		return aws.Config{Region: region, Credentials: credentials.NewStaticCredentialsProvider(id, secret, ""), BaseEndpoint: aws.String(m.URL)}
	}
	// Before enforcement moto accepts any credentials; this id is deliberately not shaped like
	// an AWS access key id, so it cannot be mistaken for one.
	im := iam.NewFromConfig(cfg("moto-bootstrap", "bootstrap"))
	fail := func(err error) (*motoEnv, error) { m.Stop(); return nil, err }
	if _, err := im.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("operator")}); err != nil {
		return fail(err)
	}
	if _, err := im.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("operator"), PolicyName: aws.String("admin"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)}); err != nil {
		return fail(err)
	}
	k, err := im.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("operator")})
	if err != nil {
		return fail(err)
	}
	e := &motoEnv{m: m, opID: aws.ToString(k.AccessKey.AccessKeyId), opSecret: aws.ToString(k.AccessKey.SecretAccessKey)}
	op := cfg(e.opID, e.opSecret)
	if _, err := secretsmanager.NewFromConfig(op).CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String("team/existing"), SecretString: aws.String("x")}); err != nil {
		return fail(err)
	}
	if _, err := sts.NewFromConfig(op).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		return fail(err)
	}
	resp, err := http.Post(m.URL+"/moto-api/reset-auth", "text/plain", strings.NewReader("0"))
	if err != nil {
		return fail(err)
	}
	resp.Body.Close()
	return e, nil
}

// awsEnv is the environment of a client of that moto: the operator's key, the endpoint, and
// nothing from this machine's AWS configuration.
func (e *motoEnv) awsEnv(dir string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	return append(env, "AWS_ACCESS_KEY_ID="+e.opID, "AWS_SECRET_ACCESS_KEY="+e.opSecret, "AWS_ENDPOINT_URL="+e.m.URL,
		"AWS_REGION="+region, "AWS_DEFAULT_REGION="+region, "AWS_EC2_METADATA_DISABLED=true",
		"AWS_CONFIG_FILE="+filepath.Join(dir, "aws-config"), "AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(dir, "aws-credentials"))
}

// liveApply times one `vaultlink apply --live`: the least-privilege path, pushing a Secret
// Server secret to AWS and pulling one back, as TestLiveApplyAgainstMotoIsLeastPrivilege does.
func liveApply(ctx context.Context) (sample, error) {
	e, err := freshMoto(ctx)
	if err != nil {
		return sample{}, err
	}
	defer e.m.Stop()
	ss := sssim.New(sssim.Options{AWSEndpoint: e.m.URL})
	if _, err := ss.Start(); err != nil {
		return sample{}, err
	}
	defer ss.Close()
	ss.SeedSecret("App-DB", "app", "db-password")
	dir, err := os.MkdirTemp("", "bench-apply-")
	if err != nil {
		return sample{}, err
	}
	defer os.RemoveAll(dir)
	plan := filepath.Join(dir, "plan.yaml")
	if err := os.WriteFile(plan, []byte("mode: live\nsettings:\n  group_policy: custom\n  push_secret: App-DB\n  remote_name: team/app-db\n"), 0o600); err != nil {
		return sample{}, err
	}
	cmd := exec.Command(*vaultlinkBin, "apply", "--live", "--ss-url", ss.URL(), "--ss-user", sssim.PracticeUser, "--state-dir", dir, "--plan", plan)
	cmd.Env = append(e.awsEnv(dir), "VAULTLINK_SS_PASSWORD="+sssim.PracticePassword)
	s, err := measure(cmd)
	if err != nil {
		return s, err
	}
	if !strings.HasSuffix(strings.TrimSpace(s.note), "modules covered 6/6") {
		return s, fmt.Errorf("apply did not cover every module:\n%s", tail(s.note))
	}
	s.note = auditCounts(filepath.Join(dir, "live", "audit.jsonl"))
	if keep := os.Getenv("VAULTLINK_BENCH_KEEP"); keep != "" {
		copyFile(filepath.Join(dir, "live", "audit.jsonl"), filepath.Join(keep, "live-apply-audit.jsonl"))
	}
	return s, nil
}

// auditCounts summarises an audit log: calls in all, to AWS and to Secret Server.
func auditCounts(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return "?"
	}
	defer f.Close()
	by := map[string]int{}
	total := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var e struct{ System string }
		if json.Unmarshal(sc.Bytes(), &e) == nil && (e.System == "aws" || e.System == "secret-server") {
			by[e.System]++
			total++
		}
	}
	return fmt.Sprintf("%d (%d AWS, %d Secret Server)", total, by["aws"], by["secret-server"])
}

// boto3Apply times bench/boto3_apply.py against a fresh moto set up the same way.
func boto3Apply(ctx context.Context, py string) (sample, error) {
	e, err := freshMoto(ctx)
	if err != nil {
		return sample{}, err
	}
	defer e.m.Stop()
	dir, err := os.MkdirTemp("", "bench-boto3-")
	if err != nil {
		return sample{}, err
	}
	defer os.RemoveAll(dir)
	cmd := exec.Command(py, "bench/boto3_apply.py")
	cmd.Env = e.awsEnv(dir)
	s, err := measure(cmd)
	if err != nil {
		return s, err
	}
	m := regexp.MustCompile(`calls: (\d+)`).FindStringSubmatch(s.note)
	if m == nil {
		return s, fmt.Errorf("boto3_apply.py did not report its calls:\n%s", tail(s.note))
	}
	s.note = m[1] + " (AWS only)"
	return s, nil
}

// pythonWithBoto3 is moto_server's interpreter (moto depends on boto3), from its #! line.
func pythonWithBoto3() (string, error) {
	if *python != "" {
		return *python, nil
	}
	f, err := os.Open(*motoBin)
	if err != nil {
		return "", fmt.Errorf("moto_server: %w (pass -moto, or -python)", err)
	}
	defer f.Close()
	line, _ := bufio.NewReader(f).ReadString('\n')
	py, ok := strings.CutPrefix(strings.TrimSpace(line), "#!")
	if !ok {
		return "", fmt.Errorf("%s has no #! line: pass -python", *motoBin)
	}
	py = strings.Fields(py)[0]
	if out, err := exec.Command(py, "-c", "import boto3").CombinedOutput(); err != nil {
		return "", fmt.Errorf("%s cannot import boto3: %v %s", py, err, out)
	}
	return py, nil
}

func benchApply() error {
	if *motoBin == "" {
		return errors.New("no moto_server: run through make bench, or pass -moto")
	}
	os.Setenv("VAULTLINK_MOTO_SERVER", *motoBin) // awstest.Launch reads it
	py, err := pythonWithBoto3()
	if err != nil {
		return err
	}
	ctx := context.Background()
	vl := &series{name: "vaultlink apply --live (AWS + Secret Server)"}
	bo := &series{name: "bench/boto3_apply.py (AWS only)"}
	fmt.Printf("== apply, side by side: %d runs each, alternating, each against a fresh moto_server with IAM enforcement on ==\n", *runs)
	for i := 0; i < *runs; i++ {
		// Alternate the order too, so a drift in the machine's load hits both alike.
		order := []bool{true, false}
		if i%2 == 1 {
			order = []bool{false, true}
		}
		for _, isVL := range order {
			if isVL {
				s, err := liveApply(ctx)
				if err != nil {
					return err
				}
				vl.samples = append(vl.samples, s)
			} else {
				s, err := boto3Apply(ctx, py)
				if err != nil {
					return err
				}
				bo.samples = append(bo.samples, s)
			}
		}
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "\twall (median)\tCPU (median)\tpeak RSS\tcalls\twall, each run")
	for _, s := range []*series{vl, bo} {
		w, c, r := s.med()
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", s.name, secs(w), secs(c), mib(r), s.samples[0].note, spread(s))
	}
	w1, c1, r1 := vl.med()
	w2, c2, r2 := bo.med()
	fmt.Fprintf(tw, "ratio VaultLink / boto3\t%.2f\t%.2f\t%.2f\t\t\n", w1.Seconds()/w2.Seconds(), c1.Seconds()/c2.Seconds(), float64(r1)/float64(r2))
	tw.Flush()
	fmt.Println("(CPU and RSS are the client process's own; the practice Secret Server and moto run outside it.)")
	return nil
}

// ---- practice apply ----

func benchPractice() error {
	fmt.Printf("== vaultlink apply --practice (its own simulated AWS and Secret Server, in process): %d runs ==\n", *runs)
	s := &series{name: "vaultlink apply --practice"}
	for i := 0; i < *runs; i++ {
		dir, err := os.MkdirTemp("", "bench-practice-")
		if err != nil {
			return err
		}
		x, err := measure(exec.Command(*vaultlinkBin, "apply", "--practice", "--state-dir", dir, "--plan", "examples/practice-plan.yaml"))
		if err == nil {
			x.note = auditCounts(filepath.Join(dir, "practice", "audit.jsonl"))
		}
		os.RemoveAll(dir)
		if err != nil {
			return err
		}
		s.samples = append(s.samples, x)
	}
	w, c, r := s.med()
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "\twall (median)\tCPU (median)\tpeak RSS\tcalls\twall, each run")
	fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", s.name, secs(w), secs(c), mib(r), s.samples[0].note, spread(s))
	return tw.Flush()
}

// ---- Go benchmarks ----

func goTest(args ...string) (string, error) {
	cmd := exec.Command("go", append([]string{"test", "-count=1", "-run", "^$"}, args...)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if err != nil {
		return "", fmt.Errorf("go test %s: %v\n%s", strings.Join(args, " "), err, tail(out.String()))
	}
	return out.String(), nil
}

func benchGo() error {
	fmt.Println("== Go benchmarks (go test -bench . -benchmem; the propagation benchmark follows separately) ==")
	out, err := goTest("-tags", "ci", "-bench", ".", "-skip", "KeyPropagation", "-benchmem", "./...")
	if err != nil {
		return err
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "Benchmark") || strings.HasPrefix(line, "pkg:") {
			fmt.Println(line)
		}
	}
	return nil
}

func benchPropagation() error {
	fmt.Println("== new-key wait against the practice AWS's key delay (BenchmarkKeyPropagation, 3 keys per delay) ==")
	out, err := goTest("-bench", "KeyPropagation", "-benchtime", "3x", "./services/aws")
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "key delay\tovershoot (median)\tovershoot (max)")
	re := regexp.MustCompile(`delay=(\S+?)-\d+\s.*?([\d.]+) overshoot-max-ms\s+([\d.]+) overshoot-median-ms`)
	n := 0
	for _, line := range strings.Split(out, "\n") {
		if m := re.FindStringSubmatch(line); m != nil {
			med, _ := strconv.ParseFloat(m[3], 64)
			hi, _ := strconv.ParseFloat(m[2], 64)
			fmt.Fprintf(tw, "%s\t%.0f ms\t%.0f ms\n", m[1], med, hi)
			n++
		}
	}
	tw.Flush()
	if n == 0 {
		return fmt.Errorf("no propagation results in:\n%s", tail(out))
	}
	fmt.Println("(overshoot: from the key starting to work to VaultLink proceeding, counted from just before CreateAccessKey)")
	return nil
}

// ---- the window ----

type winSample struct {
	firstFrame time.Duration
	rss        uint64
	mem        winprof.Memory
}

// window starts a window with the measuring hook; idle, it waits for the first frame, lets it
// settle, and asks it to quit (SIGINT, which writes the heap profile first); otherwise
// (a tour) it waits for the window to finish by itself.
func window(bin string, idle bool, args ...string) (winSample, error) {
	dir, err := os.MkdirTemp("", "bench-window-")
	if err != nil {
		return winSample{}, err
	}
	defer os.RemoveAll(dir)
	prof := filepath.Join(dir, "profile")
	os.Mkdir(prof, 0o755)
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), winprof.EnvVar+"="+prof, "LANG=en_US.UTF-8", "FYNE_THEME=light")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return winSample{}, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	limit := 60 * time.Second
	if !idle {
		limit = 5 * time.Minute
	}
	timeout := time.After(limit)
	var ws winSample
	// Bounded by the timeout: poll for the first-frame note every 10 ms.
	for ws.firstFrame == 0 {
		if data, err := os.ReadFile(filepath.Join(prof, winprof.FirstFrameFile)); err == nil && len(data) > 0 {
			ns, _ := strconv.ParseInt(string(data), 10, 64)
			ws.firstFrame = time.Unix(0, ns).Sub(start)
			break
		}
		select {
		case err := <-done:
			return ws, fmt.Errorf("%s exited before its first frame: %v\n%s", bin, err, tail(out.String()))
		case <-timeout:
			cmd.Process.Kill()
			return ws, fmt.Errorf("%s showed no frame within %s\n%s", bin, limit, tail(out.String()))
		case <-time.After(10 * time.Millisecond):
		}
	}
	if idle {
		time.Sleep(3 * time.Second) // let it settle: idle, as an admin first sees it
		cmd.Process.Signal(os.Interrupt)
	}
	select {
	case err := <-done:
		if err != nil {
			return ws, fmt.Errorf("%s: %v\n%s", bin, err, tail(out.String()))
		}
	case <-timeout:
		cmd.Process.Kill()
		<-done
		return ws, fmt.Errorf("%s did not finish within %s\n%s", bin, limit, tail(out.String()))
	}
	_, ws.rss = usage(cmd.ProcessState)
	data, err := os.ReadFile(filepath.Join(prof, winprof.MemStatsFile))
	if err != nil {
		return ws, fmt.Errorf("%s wrote no memory figures: %v\n%s", bin, err, tail(out.String()))
	}
	if err := json.Unmarshal(data, &ws.mem); err != nil {
		return ws, err
	}
	if keep := os.Getenv("VAULTLINK_BENCH_KEEP"); keep != "" {
		// For go tool pprof: the last run of each kind is kept.
		name := filepath.Base(bin) + "-tour"
		if idle {
			name = filepath.Base(bin) + "-idle"
		}
		copyFile(filepath.Join(prof, winprof.HeapFile), filepath.Join(keep, name+".pprof"))
		copyFile(filepath.Join(prof, winprof.MemStatsFile), filepath.Join(keep, name+".json"))
	}
	return ws, nil
}

func copyFile(from, to string) {
	in, err := os.Open(from)
	if err != nil {
		return
	}
	defer in.Close()
	os.MkdirAll(filepath.Dir(to), 0o755)
	out, err := os.Create(to)
	if err != nil {
		return
	}
	defer out.Close()
	io.Copy(out, in)
}

type winSeries struct {
	name    string
	samples []winSample
}

func (s *winSeries) row(tw io.Writer) (ff time.Duration, rss, heap uint64) {
	var f []time.Duration
	var r, h, a []uint64
	for _, x := range s.samples {
		f, r, h, a = append(f, x.firstFrame), append(r, x.rss), append(h, x.mem.HeapInuse), append(a, x.mem.HeapAlloc)
	}
	fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", s.name, secs(median(f)), mib(median(r)), mib(median(h)), mib(median(a)))
	return median(f), median(r), median(h)
}

func benchWindow() error {
	fmt.Printf("== the window under Xvfb (software GL): %d idle runs each, alternating; %d full tours ==\n", *runs, *tourRuns)
	empty := &winSeries{name: "empty Fyne window, idle"}
	practice := &winSeries{name: "VaultLink practice window, idle"}
	tour := &winSeries{name: "VaultLink practice window, after every page (--tour)"}
	stateDir := func() (string, func(), error) {
		d, err := os.MkdirTemp("", "bench-state-")
		return d, func() { os.RemoveAll(d) }, err
	}
	for i := 0; i < *runs; i++ {
		for _, isEmpty := range []bool{i%2 == 0, i%2 == 1} {
			if isEmpty {
				s, err := window(*emptyBin, true)
				if err != nil {
					return err
				}
				empty.samples = append(empty.samples, s)
				continue
			}
			d, rm, err := stateDir()
			if err != nil {
				return err
			}
			s, err := window(*vaultlinkBin, true, "--practice", "--state-dir", d)
			rm()
			if err != nil {
				return err
			}
			practice.samples = append(practice.samples, s)
		}
	}
	for i := 0; i < *tourRuns; i++ {
		d, err := os.MkdirTemp("", "bench-tour-")
		if err != nil {
			return err
		}
		s, err := window(*vaultlinkBin, false, "--tour", d)
		os.RemoveAll(d)
		if err != nil {
			return err
		}
		tour.samples = append(tour.samples, s)
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "(medians)\tfirst frame\tpeak RSS\tGo heap in use\tlive heap objects")
	f0, r0, h0 := empty.row(tw)
	f1, r1, h1 := practice.row(tw)
	_, r2, h2 := tour.row(tw)
	fmt.Fprintf(tw, "practice idle beyond empty\t+%s\t+%s\t+%s\t\n", secs(f1-f0), mib(r1-r0), mib(h1-h0))
	fmt.Fprintf(tw, "after the tour beyond empty\t\t+%s\t+%s\t\n", mib(r2-r0), mib(h2-h0))
	tw.Flush()
	fmt.Println("(first frame: from starting the process to Fyne's first painted frame; heap after a full GC)")
	return nil
}

// ---- the machine ----

func machine() string {
	cpus := 0
	model := ""
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(line, "processor") {
				cpus++
			}
			if v, ok := strings.CutPrefix(line, "model name"); ok && model == "" {
				model = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
			}
		}
	}
	osName := "unknown OS"
	if data, err := os.ReadFile("/etc/os-release"); err == nil {
		if m := regexp.MustCompile(`(?m)^PRETTY_NAME="?([^"\n]*)`).FindSubmatch(data); m != nil {
			osName = string(m[1])
		}
	}
	mem := ""
	if data, err := os.ReadFile("/proc/meminfo"); err == nil {
		if m := regexp.MustCompile(`MemTotal:\s+(\d+) kB`).FindSubmatch(data); m != nil {
			kb, _ := strconv.ParseFloat(string(m[1]), 64)
			mem = fmt.Sprintf(", %.0f GiB", kb/(1<<20))
		}
	}
	return fmt.Sprintf("%d CPUs (%s)%s, %s", cpus, model, mem, osName)
}

func loadavg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
