package worker_test

import (
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/tally-sv/tally/internal/mailtest"
	"github.com/tally-sv/tally/internal/worker"
)

// TestWorkerKilledMidSendLosesNoEmail: a worker process killed (SIGKILL)
// while the server holds its DATA reply loses none of the award's emails.
// The killed process is the only one, so it leads (runs River's
// maintenance, the rescue of stuck jobs among it), as in a one-node
// deployment: another worker first takes the leadership over once the dead
// one's lapses (River's leader TTL, about 15 seconds, most of this test's
// time), then the stuck job once RescueAfter has passed, and every bidder
// gets its email exactly once.
func TestWorkerKilledMidSendLosesNoEmail(t *testing.T) {
	t.Parallel()
	a := readyAward(t)
	srv := mailtest.Start(t)
	hold := srv.HoldNext()

	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), childDB+"="+a.db.AppURL, childSMTP+"="+srv.Addr())
	logs := &syncBuffer{}
	child.Stdout, child.Stderr = logs, logs
	stdin, err := child.StdinPipe() // closed when the test ends: the child then exits
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- child.Wait() }()
	t.Cleanup(func() {
		stdin.Close()
		child.Process.Kill() // if the test ended before it did
		<-exited
		if t.Failed() {
			t.Logf("the killed worker logged:\n%s", logs)
		}
	})

	eventually(t, 30*time.Second, func() (bool, string) {
		select {
		case err := <-exited:
			t.Fatalf("the worker process exited: %v", err)
		default:
		}
		return count(t, a.admin, `SELECT count(*) FROM river_leader`) == 1, "the worker process has not taken the lead"
	})
	a.award(t)
	var held mailtest.Message
	select {
	case held = <-hold.Arrived():
	case err := <-exited:
		t.Fatalf("the worker process exited before sending: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("the worker process sent nothing within 30 s")
	}
	if len(held.To) != 1 {
		t.Fatalf("held message to %q", held.To)
	}
	to := held.To[0]
	if j := emailJobs(t, a.admin)[to]; j.State != "running" || j.Attempt != 1 {
		t.Fatalf("the held job to %s: %s, attempt %d", to, j.State, j.Attempt)
	}
	if err := child.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := <-exited; err == nil {
		t.Fatal("the worker process exited by itself")
	}
	exited <- nil // for the cleanup
	// The server never answered: the message was not accepted.
	hold.Release(mailtest.Drop)
	if n := len(srv.Messages()); n != 0 {
		t.Fatalf("%d messages arrived before the kill; the child has one worker", n)
	}
	if j := emailJobs(t, a.admin)[to]; j.State != "running" {
		t.Fatalf("after the kill the job to %s is %s, want still running (its worker is gone)", to, j.State)
	}

	startWorkers(t, a.db, worker.Config{RescueAfter: 2 * time.Second, JobTimeout: time.Second,
		Sender: plainSender(srv.Addr()), RetryPolicy: retryAfter(100 * time.Millisecond)})
	jobs := settled(t, a.admin, 90*time.Second)
	receivedOnce(t, a, srv.Messages(), jobs)
	if j := jobs[to]; j.State != "completed" || j.Attempt != 2 {
		t.Errorf("the rescued job to %s: %s after %d tries, want completed after 2", to, j.State, j.Attempt)
	}
	for _, m := range srv.Messages() {
		if m.To[0] == to && m.MessageID != held.MessageID {
			t.Errorf("the rescued email's Message-ID %q differs from the first try's %q", m.MessageID, held.MessageID)
		}
	}
}

// TestAcceptedThenDroppedIsNotSentAgain: when the server accepts a message
// (250) and the connection then breaks before QUIT, the job has succeeded:
// it completes on its first try and is not sent again, though a retry
// would come within a tenth of a second.
func TestAcceptedThenDroppedIsNotSentAgain(t *testing.T) {
	t.Parallel()
	a := readyAward(t)
	srv := mailtest.Start(t)
	srv.DropAfterData(true)
	a.award(t)
	startWorkers(t, a.db, worker.Config{Sender: plainSender(srv.Addr()), RetryPolicy: retryAfter(100 * time.Millisecond)})
	jobs := settled(t, a.admin, 30*time.Second)
	receivedOnce(t, a, srv.Messages(), jobs)
	for to, j := range jobs {
		if j.State != "completed" || j.Attempt != 1 || len(j.Errors) != 0 {
			t.Errorf("%s: %s after %d tries, errors %q; want completed on the first", to, j.State, j.Attempt, j.Errors)
		}
	}
	if n := srv.Connections(); n != len(a.want) {
		t.Errorf("%d connections for %d emails", n, len(a.want))
	}
}
