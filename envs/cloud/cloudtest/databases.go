package cloudtest

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/envbench/envbench/envs/cloud"
)

// instanceIn waits until the instance is available and returns it.
func (s *suite) instanceIn(t *testing.T, a *cloud.Account, id string) cloud.DBInstance {
	t.Helper()
	var db cloud.DBInstance
	s.await(t, "DB instance "+id+" available", func(ctx context.Context) (bool, error) {
		var err error
		db, err = a.Databases.Instance(ctx, id)
		return err == nil && db.Status == cloud.StatusAvailable, err
	})
	return db
}

// snapshotIn waits until the snapshot is available at 100% and returns it.
func (s *suite) snapshotIn(t *testing.T, a *cloud.Account, id string) cloud.DBSnapshot {
	t.Helper()
	var snap cloud.DBSnapshot
	s.await(t, "DB snapshot "+id+" available", func(ctx context.Context) (bool, error) {
		var err error
		snap, err = a.Databases.Snapshot(ctx, id)
		if err == nil && (snap.PercentProgress < 0 || snap.PercentProgress > 100) {
			t.Errorf("snapshot %s at %d%%", id, snap.PercentProgress)
		}
		return err == nil && snap.Status == cloud.StatusAvailable && snap.PercentProgress == 100, err
	})
	return snap
}

// goneFrom waits until the instance no longer exists.
func (s *suite) goneFrom(t *testing.T, a *cloud.Account, id string) {
	t.Helper()
	s.await(t, "DB instance "+id+" deleted", func(ctx context.Context) (bool, error) {
		_, err := a.Databases.Instance(ctx, id)
		if errors.Is(err, cloud.ErrNotFound) {
			return true, nil
		}
		return false, err
	})
}

func (s *suite) databases(t *testing.T) {
	ctx := context.Background()
	d := s.primary.Databases
	password := "Pw-" + s.prefix + "-never-shown"
	newPassword := "Pw2-" + s.prefix + "-never-shown"
	id := s.name("orders")
	created, err := d.CreateInstance(ctx, cloud.NewDBInstance{
		ID: id, Class: "db.t3.micro", Engine: "postgres", AllocatedStorage: 20,
		MasterUsername: "envbench", MasterPassword: password, Tags: s.tags,
	})
	must(t, err, "create a DB instance")
	t.Cleanup(func() { _ = d.DeleteInstance(context.Background(), id) })
	if created.ID != id || created.Class != "db.t3.micro" || created.Engine != "postgres" {
		t.Errorf("created %+v", created)
	}
	_, err = d.CreateInstance(ctx, cloud.NewDBInstance{
		ID: id, Class: "db.t3.micro", Engine: "postgres", AllocatedStorage: 20,
		MasterUsername: "envbench", MasterPassword: password,
	})
	if err == nil {
		t.Error("a second instance with the same id was created")
	}
	noSecret(t, err, password)

	db := s.instanceIn(t, s.primary, id)
	if db.AllocatedStorage != 20 || db.Engine != "postgres" || !db.Encrypted || db.DeletionProtection || db.ARN == "" || db.Endpoint == "" || db.Port == 0 {
		t.Errorf("available instance %+v: want 20 GiB of postgres, encrypted, unprotected, with an ARN and an endpoint", db)
	}
	hasTags(t, db.Tags, s.tags, "instance")
	list, err := d.Instances(ctx)
	must(t, err, "list instances")
	if !hasInstance(list, id) {
		t.Errorf("instance %s not listed", id)
	}

	t.Run("Modify", func(t *testing.T) {
		_, err := d.ModifyInstance(ctx, id, "db.t3.small", newPassword)
		noSecret(t, err, password, newPassword)
		must(t, err, "modify the instance")
		s.await(t, "instance "+id+" resized", func(ctx context.Context) (bool, error) {
			db, err := d.Instance(ctx, id)
			return err == nil && db.Class == "db.t3.small" && db.Status == cloud.StatusAvailable, err
		})
	})

	t.Run("DeletionProtection", func(t *testing.T) {
		guarded := s.name("guarded")
		_, err := d.CreateInstance(ctx, cloud.NewDBInstance{
			ID: guarded, Class: "db.t3.micro", Engine: "postgres", AllocatedStorage: 20,
			MasterUsername: "envbench", MasterPassword: password, DeletionProtection: true, Tags: s.tags,
		})
		must(t, err, "create a protected instance")
		if db := s.instanceIn(t, s.primary, guarded); !db.DeletionProtection {
			t.Errorf("instance %s has no deletion protection", guarded)
		}
		err = d.DeleteInstance(ctx, guarded)
		wantKind(t, err, cloud.ErrInvalidParameter, "delete a protected instance")
		if _, err := d.Instance(ctx, guarded); err != nil {
			t.Errorf("the protected instance is gone: %v", err)
		}
		// Nothing in envs/cloud lifts the protection: on a real account
		// this instance is left for a person to delete.
		t.Logf("instance %s keeps its deletion protection", guarded)
	})

	snapID := s.name("snap")
	parent := t
	t.Run("Snapshot", func(t *testing.T) {
		snap, err := d.CreateSnapshot(ctx, id, snapID, s.tags)
		must(t, err, "snapshot the instance")
		parent.Cleanup(func() { _ = d.DeleteSnapshot(context.Background(), snapID) })
		if snap.ID != snapID || snap.InstanceID != id {
			t.Errorf("snapshot %+v", snap)
		}
		snap = s.snapshotIn(t, s.primary, snapID)
		if !snap.Encrypted || snap.ARN == "" || snap.Created.IsZero() {
			t.Errorf("snapshot %+v: want encrypted, with an ARN and a time", snap)
		}
		hasTags(t, snap.Tags, s.tags, "snapshot")
		for _, of := range []string{id, ""} {
			list, err := d.Snapshots(ctx, of)
			must(t, err, "list snapshots")
			if !hasSnapshot(list, snapID) {
				t.Errorf("snapshot %s not listed for instance %q", snapID, of)
			}
		}
	})

	t.Run("DefaultKeyShareRefused", func(t *testing.T) {
		s.gap(t, DefaultKeyShareRefused, "a snapshot under the default key can be shared")
		err := d.ShareSnapshot(ctx, snapID, s.peerID())
		wantKind(t, err, cloud.ErrInvalidParameter, "share a snapshot under the default key")
		if snap, err := d.Snapshot(ctx, snapID); err == nil && len(snap.SharedWith) > 0 {
			t.Errorf("the refused share took: shared with %v", snap.SharedWith)
		}
	})

	key, err := s.primary.Keys.CreateKey(ctx, "conformance shared key", s.tags)
	must(t, err, "create the shared key")
	t.Cleanup(func() { _ = s.primary.Keys.ScheduleKeyDeletion(context.Background(), key.ID, 7) })
	copyID := s.name("snap-cmk")
	t.Run("CopyWithKey", func(t *testing.T) {
		_, err := d.CopySnapshot(ctx, snapID, copyID, key.ARN, s.tags)
		must(t, err, "copy the snapshot under the shared key")
		parent.Cleanup(func() { _ = d.DeleteSnapshot(context.Background(), copyID) })
		snap := s.snapshotIn(t, s.primary, copyID)
		if !snap.Encrypted || !strings.Contains(snap.KMSKeyID, key.ID) {
			t.Errorf("copy %+v: want it encrypted with %s", snap, key.ARN)
		}
	})

	t.Run("Share", func(t *testing.T) {
		s.needPeer(t)
		grant, err := s.primary.Keys.CreateGrant(ctx, key.ID, "arn:aws:iam::"+s.peer.ID+":root", s.name("peer"),
			[]string{"Decrypt", "DescribeKey", "CreateGrant", "ReEncryptFrom"})
		must(t, err, "grant the peer the key")
		if grant.ID == "" {
			t.Error("grant without an id")
		}
		must(t, d.ShareSnapshot(ctx, copyID, s.peer.ID), "share the copy with the peer")
		snap, err := d.Snapshot(ctx, copyID)
		must(t, err, "describe the shared copy")
		if !containsAll(snap.SharedWith, s.peer.ID) {
			t.Errorf("copy shared with %v, want %s", snap.SharedWith, s.peer.ID)
		}
		shared, err := s.peer.Databases.SharedSnapshots(ctx)
		must(t, err, "list the peer's shared snapshots")
		if !hasSnapshotARN(shared, snap.ARN) {
			t.Errorf("the peer does not see %s among %d shared snapshots", snap.ARN, len(shared))
		}
		own, err := d.SharedSnapshots(ctx)
		must(t, err, "list the primary's shared snapshots")
		if hasSnapshotARN(own, snap.ARN) {
			t.Errorf("the owner sees its own %s as shared with it", snap.ARN)
		}
		peerOwn, err := s.peer.Databases.Snapshots(ctx, "")
		must(t, err, "list the peer's own snapshots")
		if hasSnapshotARN(peerOwn, snap.ARN) {
			t.Errorf("the peer lists the shared %s as its own", snap.ARN)
		}

		t.Run("CopyAndRestoreByARN", func(t *testing.T) {
			s.gap(t, CrossAccountSnapshotByARN, "a snapshot shared by ARN cannot be copied or restored from the other account")
			p := s.peer.Databases
			got, err := p.Snapshot(ctx, snap.ARN)
			must(t, err, "describe the shared snapshot by ARN")
			if got.ARN != snap.ARN {
				t.Errorf("described %s, want %s", got.ARN, snap.ARN)
			}
			peerKey, err := s.peer.Keys.CreateKey(ctx, "conformance peer key", s.tags)
			must(t, err, "create the peer's key")
			t.Cleanup(func() { _ = s.peer.Keys.ScheduleKeyDeletion(context.Background(), peerKey.ID, 7) })
			local := s.name("local")
			_, err = p.CopySnapshot(ctx, snap.ARN, local, peerKey.ARN, s.tags)
			must(t, err, "copy the shared snapshot into the peer")
			t.Cleanup(func() { _ = p.DeleteSnapshot(context.Background(), local) })
			if c := s.snapshotIn(t, s.peer, local); !strings.Contains(c.KMSKeyID, peerKey.ID) {
				t.Errorf("peer copy under %s, want %s", c.KMSKeyID, peerKey.ARN)
			}
			restored := s.name("restored")
			_, err = p.RestoreInstance(ctx, cloud.Restore{Snapshot: snap.ARN, InstanceID: restored, Class: "db.t3.micro", Tags: s.tags})
			must(t, err, "restore the shared snapshot in the peer")
			t.Cleanup(func() { _ = p.DeleteInstance(context.Background(), restored) })
			s.instanceIn(t, s.peer, restored)
		})
	})

	t.Run("Restore", func(t *testing.T) {
		restored := s.name("gen2")
		db, err := d.RestoreInstance(ctx, cloud.Restore{Snapshot: copyID, InstanceID: restored, Class: "db.t3.micro", Tags: s.tags})
		must(t, err, "restore the copy")
		if db.ID != restored {
			t.Errorf("restored %+v", db)
		}
		db = s.instanceIn(t, s.primary, restored)
		if db.Class != "db.t3.micro" || db.Engine != "postgres" {
			t.Errorf("restored %+v: want the snapshot's postgres at db.t3.micro", db)
		}
		hasTags(t, db.Tags, s.tags, "restored instance")
		must(t, d.DeleteInstance(ctx, restored), "delete the restored instance")
		s.goneFrom(t, s.primary, restored)
	})

	t.Run("Delete", func(t *testing.T) {
		must(t, d.DeleteSnapshot(ctx, copyID), "delete the copy")
		must(t, d.DeleteSnapshot(ctx, snapID), "delete the snapshot")
		must(t, d.DeleteInstance(ctx, id), "delete the instance")
		s.goneFrom(t, s.primary, id)
		list, err := d.Snapshots(ctx, "")
		must(t, err, "list snapshots")
		if hasSnapshot(list, snapID) || hasSnapshot(list, copyID) {
			t.Error("deleted snapshots still listed")
		}
	})

	t.Run("NotFound", func(t *testing.T) {
		missing := s.name("missing")
		_, err := d.Instance(ctx, missing)
		wantKind(t, err, cloud.ErrNotFound, "describe a missing instance")
		wantKind(t, d.DeleteInstance(ctx, missing), cloud.ErrNotFound, "delete a missing instance")
		_, err = d.ModifyInstance(ctx, missing, "db.t3.small", newPassword)
		wantKind(t, err, cloud.ErrNotFound, "modify a missing instance")
		noSecret(t, err, newPassword)
		_, err = d.CreateSnapshot(ctx, missing, s.name("snap-missing"), nil)
		wantKind(t, err, cloud.ErrNotFound, "snapshot a missing instance")
		_, err = d.Snapshot(ctx, missing)
		wantKind(t, err, cloud.ErrNotFound, "describe a missing snapshot")
		wantKind(t, d.DeleteSnapshot(ctx, missing), cloud.ErrNotFound, "delete a missing snapshot")
		wantKind(t, d.ShareSnapshot(ctx, missing, s.peerID()), cloud.ErrNotFound, "share a missing snapshot")
		_, err = d.CopySnapshot(ctx, missing, s.name("copy-missing"), key.ARN, nil)
		wantKind(t, err, cloud.ErrNotFound, "copy a missing snapshot")
		_, err = d.RestoreInstance(ctx, cloud.Restore{Snapshot: missing, InstanceID: s.name("restore-missing"), Class: "db.t3.micro"})
		wantKind(t, err, cloud.ErrNotFound, "restore a missing snapshot")
	})
}

// peerID is the account to share with: the peer's, or one that exists
// nowhere when there is no peer.
func (s *suite) peerID() string {
	if s.peer != nil {
		return s.peer.ID
	}
	return "210987654321"
}

func hasInstance(list []cloud.DBInstance, id string) bool {
	for _, db := range list {
		if db.ID == id {
			return true
		}
	}
	return false
}

func hasSnapshot(list []cloud.DBSnapshot, id string) bool {
	for _, s := range list {
		if s.ID == id {
			return true
		}
	}
	return false
}

func hasSnapshotARN(list []cloud.DBSnapshot, arn string) bool {
	for _, s := range list {
		if s.ARN == arn {
			return true
		}
	}
	return false
}
