// Package ansible_test runs the fleet playbook, deploy/ansible/posit-doctor.yml,
// end to end: real OpenSSH servers on 127.0.0.1 ports (host keys and the
// client key made here), real ansible-playbook, the real static binary, one
// fixture root per node passed through posit_doctor_args.
package ansible_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/posit-doctor/posit-doctor/collectors/host/hostfixture"
)

const hostsDir = "../../testdata/hosts"

// The network checks judge the fixture's documentation URLs; offline they
// would fail on the placeholders, which is not what this test is about.
const nodeArgs = "--offline --skip frontdoor-tls,issuer-reachable,clock-skew"

// need finds a program or skips the test loudly: 'make test-deps' installs
// them (openssh-server, openssh-client, ansible-core).
func need(t *testing.T, names ...string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, n := range names {
		p, err := exec.LookPath(n)
		if err != nil {
			for _, dir := range []string{"/usr/sbin", "/sbin"} {
				if _, e := os.Stat(filepath.Join(dir, n)); e == nil {
					p, err = filepath.Join(dir, n), nil
				}
			}
		}
		if err != nil {
			t.Skipf("SKIPPING THE ANSIBLE END-TO-END TEST: %s is not installed (run 'make test-deps' as root: it installs openssh-server, openssh-client and ansible-core)", n)
		}
		out[n] = p
	}
	return out
}

// lab is the set of loopback sshd nodes and what the playbook needs.
type lab struct {
	dir, key, binary string
	ports            []int
	user             string
}

// buildBinary builds the static binary the playbook copies to the nodes.
func buildBinary(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "posit-doctor")
	cmd := exec.Command("go", "build", "-trimpath", "-o", bin, "../../cmd/posit-doctor")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startSSHD starts n OpenSSH servers on 127.0.0.1, each with its own
// generated config and host key, accepting only the client key made here.
func startSSHD(t *testing.T, n int) *lab {
	t.Helper()
	progs := need(t, "sshd", "ssh", "ssh-keygen", "ansible-playbook")
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	// A short directory: ssh's control sockets must fit in 108 bytes.
	dir, err := os.MkdirTemp("", "pd-ans-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	l := &lab{dir: dir, key: filepath.Join(dir, "id"), user: u.Username}
	for _, k := range []string{l.key, filepath.Join(dir, "hostkey")} {
		if out, err := exec.Command(progs["ssh-keygen"], "-q", "-t", "ed25519", "-N", "", "-C", "posit-doctor-test", "-f", k).CombinedOutput(); err != nil {
			t.Fatalf("ssh-keygen: %v\n%s", err, out)
		}
	}
	pub, _ := os.ReadFile(l.key + ".pub")
	if err := os.WriteFile(filepath.Join(dir, "authorized_keys"), pub, 0o600); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		// sshd insists on its privilege-separation directory when root.
		os.MkdirAll("/run/sshd", 0o755)
	}
	for i := 0; i < n; i++ {
		port := freePort(t)
		cfg := filepath.Join(dir, fmt.Sprintf("sshd%d.conf", i))
		os.WriteFile(cfg, []byte(fmt.Sprintf(`Port %d
ListenAddress 127.0.0.1
HostKey %s/hostkey
PidFile %s/sshd%d.pid
AuthorizedKeysFile %s/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PermitRootLogin prohibit-password
AllowUsers %s
MaxStartups 100:30:200
MaxSessions 50
LogLevel ERROR
Subsystem sftp internal-sftp
`, port, dir, dir, i, dir, l.user)), 0o600)
		if out, err := exec.Command(progs["sshd"], "-t", "-f", cfg).CombinedOutput(); err != nil {
			t.Fatalf("sshd -t: %v\n%s", err, out)
		}
		cmd := exec.Command(progs["sshd"], "-D", "-e", "-f", cfg)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		waitSSH(t, port, &stderr)
		l.ports = append(l.ports, port)
	}
	os.MkdirAll(filepath.Join(dir, "nodetmp"), 0o700)
	l.binary = buildBinary(t, dir)
	return l
}

// waitSSH waits until the server on port sends its SSH banner.
func waitSSH(t *testing.T, port int, stderr *bytes.Buffer) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), time.Second)
		if err == nil {
			c.SetDeadline(time.Now().Add(2 * time.Second))
			line, _ := bufio.NewReader(c).ReadString('\n')
			c.Close()
			if strings.HasPrefix(line, "SSH-") {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("sshd on port %d did not come up: %s", port, stderr.String())
}

// roots materialises scenario once per node; edit may change a node.
func (l *lab) roots(t *testing.T, scenario string, n int, edit func(i int, root string)) []string {
	t.Helper()
	var out []string
	for i := 0; i < n; i++ {
		root := filepath.Join(l.dir, "roots", fmt.Sprintf("node%02d", i+1))
		os.RemoveAll(root)
		if _, err := hostfixture.Build(hostsDir, scenario, root); err != nil {
			t.Fatal(err)
		}
		if edit != nil {
			edit(i, root)
		}
		out = append(out, root)
	}
	return out
}

// inventory writes an INI inventory: node i on sshd port i mod len(ports),
// each node reading its own root through posit_doctor_args.
func (l *lab) inventory(t *testing.T, roots []string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("[posit]\n")
	for i, root := range roots {
		fmt.Fprintf(&b, "node%02d ansible_host=127.0.0.1 ansible_port=%d posit_doctor_args=\"--root %s %s\"\n", i+1, l.ports[i%len(l.ports)], root, nodeArgs)
	}
	// become: the playbook's default method is sudo; the test machine runs
	// as root, where su needs no password and no extra package.
	fmt.Fprintf(&b, "\n[posit:vars]\nansible_user=%s\nansible_ssh_private_key_file=%s\nansible_python_interpreter=/usr/bin/python3\nansible_ssh_common_args='-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR'\n", l.user, l.key)
	if os.Geteuid() == 0 {
		b.WriteString("ansible_become_method=su\n")
	}
	p := filepath.Join(l.dir, "inventory.ini")
	if err := os.WriteFile(p, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// play runs the playbook and returns its exit status, output and wall time.
func (l *lab) play(t *testing.T, inventory, bundleDir string, forks int) (int, string, time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ansible-playbook", "-i", inventory, "-f", strconv.Itoa(forks),
		"-e", "posit_doctor_binary="+l.binary, "-e", "posit_doctor_bundle_dir="+bundleDir,
		// The nodes' temporary directories go here, so the test can see
		// that none is left behind (/tmp is shared with other tests).
		"-e", "posit_doctor_remote_tmp="+filepath.Join(l.dir, "nodetmp"), "posit-doctor.yml")
	cmd.Env = append(os.Environ(),
		"ANSIBLE_CONFIG="+filepath.Join(l.dir, "no-ansible.cfg"), // no user config changes the run
		"ANSIBLE_HOST_KEY_CHECKING=False",
		"ANSIBLE_NOCOLOR=1",
		"ANSIBLE_RETRY_FILES_ENABLED=False",
		"ANSIBLE_LOCAL_TEMP="+filepath.Join(l.dir, "atmp"),
		"ANSIBLE_REMOTE_TEMP="+filepath.Join(l.dir, "rtmp"),
		"ANSIBLE_SSH_CONTROL_PATH_DIR="+filepath.Join(l.dir, "cp"),
		"ANSIBLE_PIPELINING=True",
		"ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3",
	)
	start := time.Now()
	out, _ := cmd.CombinedOutput()
	took := time.Since(start)
	if ctx.Err() != nil {
		t.Fatalf("ansible-playbook did not finish in 5 minutes:\n%s", out)
	}
	return cmd.ProcessState.ExitCode(), string(out), took
}

func bundlesIn(t *testing.T, dir string) []string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(dir, "node*.tar.gz"))
	return m
}

// TestPlaybook: three nodes that agree give a green play and three
// bundles; a node with another secure-cookie-key fails the play on
// compare's exit 2, naming the key, and a node that reports a fail fails
// it too, with every bundle still fetched.
func TestPlaybook(t *testing.T) {
	l := startSSHD(t, 3)

	roots := l.roots(t, "ubuntu-healthy", 3, nil)
	inv := l.inventory(t, roots)
	bdir := filepath.Join(l.dir, "bundles-ok")
	code, out, took := l.play(t, inv, bdir, 20)
	t.Logf("3 nodes, no drift: ansible-playbook exit %d in %v", code, took.Round(100*time.Millisecond))
	if code != 0 || !strings.Contains(out, "No drift") {
		t.Fatalf("agreeing nodes: exit %d\n%s", code, out)
	}
	if got := bundlesIn(t, bdir); len(got) != 3 {
		t.Errorf("bundles %v, want node01..node03.tar.gz", got)
	}
	// Nothing left on the nodes: the temporary directory is gone.
	if left, _ := filepath.Glob(filepath.Join(l.dir, "nodetmp", "posit-doctor.*")); len(left) > 0 {
		t.Errorf("left on the node: %v", left)
	}

	// One play for both failure kinds (each play costs seconds): node02
	// has another secure-cookie-key (compare's exit 2; node02's own run
	// fails too, its client secret being encrypted with another key), and
	// node03 caches passwd in nscd (a fail on that node only).
	roots = l.roots(t, "ubuntu-healthy", 3, func(i int, root string) {
		switch i {
		case 1:
			os.WriteFile(root+"/etc/rstudio/secure-cookie-key", []byte("a-different-key-on-node02\n"), 0o600)
		case 2:
			os.WriteFile(root+"/etc/nscd.conf", []byte("enable-cache passwd yes\nenable-cache group yes\n"), 0o644)
			os.MkdirAll(root+"/proc/4242", 0o755)
			os.WriteFile(root+"/proc/4242/comm", []byte("nscd\n"), 0o644)
			os.WriteFile(root+"/proc/4242/cmdline", []byte("/usr/sbin/nscd\x00"), 0o644)
		}
	})
	bdir = filepath.Join(l.dir, "bundles-drift")
	code, out, took = l.play(t, l.inventory(t, roots), bdir, 20)
	t.Logf("3 nodes, node02 with another secure-cookie-key, node03 reporting a fail: exit %d in %v", code, took.Round(100*time.Millisecond))
	if code == 0 || !strings.Contains(out, "secure-cookie-key CRC32") || !strings.Contains(out, "drift in what must agree") {
		t.Errorf("drift: exit %d\n%s", code, out)
	}
	if !strings.Contains(out, "posit-doctor reports a fail on node03") || strings.Contains(out, "reports a fail on node01") {
		t.Errorf("node fail: exit %d\n%s", code, out)
	}
	if got := bundlesIn(t, bdir); len(got) != 3 {
		t.Errorf("bundles %v, want all three despite the failures", got)
	}
}

// TestPlaybookScale: POSIT_DOCTOR_ANSIBLE_NODES nodes (make
// test-ansible-scale sets 20) behind three sshd ports, forks 20. The wall
// time is logged: the goal is 50 nodes in under a minute.
func TestPlaybookScale(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("POSIT_DOCTOR_ANSIBLE_NODES"))
	if n == 0 {
		t.Skip("set POSIT_DOCTOR_ANSIBLE_NODES (make test-ansible-scale runs 20 nodes)")
	}
	l := startSSHD(t, 3)
	roots := l.roots(t, "ubuntu-healthy", n, nil)
	bdir := filepath.Join(l.dir, "bundles")
	code, out, took := l.play(t, l.inventory(t, roots), bdir, 20)
	t.Logf("%d nodes behind 3 sshd ports, forks 20: ansible-playbook exit %d in %v", n, code, took.Round(100*time.Millisecond))
	if code != 0 || len(bundlesIn(t, bdir)) != n {
		t.Errorf("exit %d, %d bundles\n%s", code, len(bundlesIn(t, bdir)), out)
	}
}
