package pipeline

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"

	"github.com/envbench/envbench/config"
	"github.com/envbench/envbench/envs"
	"github.com/envbench/envbench/envs/aws"
	"github.com/envbench/envbench/envs/cloud"
	"github.com/envbench/envbench/envs/fake"
)

// Stores are a workspace's run journal and locks.
type Stores struct {
	Journal Journal
	Locks   Locker
	// Close releases what opening them took (the simulated account's
	// database); it may be called more than once.
	Close func() error
}

// OpenStores opens c's journal and locks as its envbench.yaml's state:
// says: local files under c.Root by default, or in team mode the bucket
// and prefix of `state: s3://bucket/prefix`, in the simulated account for
// a simulated workspace (the bucket made on first use) and in AWS, with
// the default credential chain (AWS_ENDPOINT_URL honoured), otherwise.
// opts' Journal and Locks, when set, are used as they are.
func OpenStores(ctx context.Context, c *envs.Catalog, opts Options) (Stores, error) {
	st := Stores{Journal: opts.Journal, Locks: opts.Locks, Close: func() error { return nil }}
	loc := c.Settings.State
	if !loc.Shared() {
		if st.Journal == nil {
			st.Journal = LocalJournal{Root: c.Root}
		}
		if st.Locks == nil {
			st.Locks = LocalLocks{Root: c.Root}
		}
		return st, nil
	}
	if st.Journal != nil && st.Locks != nil {
		return st, nil
	}
	region := c.Settings.DefaultRegion
	if region == "" {
		region = "us-east-1"
	}
	var objs cloud.Objects
	if c.Settings.Cloud == config.CloudSimulated {
		sim, err := fake.OpenWorkspace(ctx, c.Root, filepath.Join(c.Root, fake.WorkspaceSeed), fake.Options{})
		if err != nil {
			return Stores{}, fmt.Errorf("open the state in %s: simulated AWS: %w", loc, err)
		}
		var once sync.Once
		st.Close = func() error {
			var err error
			once.Do(func() { err = sim.Close() })
			return err
		}
		acct, err := sim.Connect(ctx, cloud.Target{Region: region})
		if err != nil {
			st.Close()
			return Stores{}, fmt.Errorf("open the state in %s: %w", loc, err)
		}
		objs = acct.Objects
		if err := objs.CreateBucket(ctx, loc.Bucket, nil); err != nil && !alreadyOwned(err) {
			st.Close()
			return Stores{}, fmt.Errorf("open the state in %s: create the bucket: %w", loc, err)
		}
	} else {
		acct, err := (&aws.Connector{}).Connect(ctx, cloud.Target{Region: region})
		if err != nil {
			return Stores{}, fmt.Errorf("open the state in %s: %w", loc, err)
		}
		objs = acct.Objects
	}
	j := S3Journal{Objects: objs, Bucket: loc.Bucket, Prefix: loc.Prefix}
	if st.Journal == nil {
		st.Journal = j
	}
	if st.Locks == nil {
		st.Locks = S3Locks{Objects: objs, Bucket: loc.Bucket, Prefix: loc.Prefix, Journal: st.Journal}
	}
	return st, nil
}

func alreadyOwned(err error) bool {
	var api *cloud.APIError
	return errors.As(err, &api) && api.Code == "BucketAlreadyOwnedByYou"
}

// lazyStores opens a workspace's stores on first use, so that NewEngine
// need not fail: an error opening them is the error of the first call.
type lazyStores struct {
	once sync.Once
	open func() (Stores, error)
	st   Stores
	err  error
}

func (l *lazyStores) get() (Stores, error) {
	l.once.Do(func() { l.st, l.err = l.open() })
	return l.st, l.err
}

type lazyJournal struct{ l *lazyStores }

func (j lazyJournal) Writer(ctx context.Context, env, runID string) (JournalWriter, error) {
	st, err := j.l.get()
	if err != nil {
		return nil, err
	}
	return st.Journal.Writer(ctx, env, runID)
}

func (j lazyJournal) Read(ctx context.Context, env, runID string) ([]Event, error) {
	st, err := j.l.get()
	if err != nil {
		return nil, err
	}
	return st.Journal.Read(ctx, env, runID)
}

func (j lazyJournal) Runs(ctx context.Context, env string) ([]RunRef, error) {
	st, err := j.l.get()
	if err != nil {
		return nil, err
	}
	return st.Journal.Runs(ctx, env)
}

type lazyLocks struct{ l *lazyStores }

func (k lazyLocks) Acquire(ctx context.Context, env string, h Holder) (Held, error) {
	st, err := k.l.get()
	if err != nil {
		return nil, err
	}
	return st.Locks.Acquire(ctx, env, h)
}

func (k lazyLocks) Read(ctx context.Context, env string) (Holder, bool, error) {
	st, err := k.l.get()
	if err != nil {
		return Holder{}, false, err
	}
	return st.Locks.Read(ctx, env)
}

func (k lazyLocks) Break(ctx context.Context, env string) (Holder, bool, error) {
	st, err := k.l.get()
	if err != nil {
		return Holder{}, false, err
	}
	return st.Locks.Break(ctx, env)
}
