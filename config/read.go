package config

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// workspaceFS reads a workspace on disk through an os.Root, so that no
// symbolic link leads a read outside the workspace, and opens configuration
// files without blocking, so that a named pipe cannot hang validation.
type workspaceFS struct {
	fs.FS          // the root's fs.FS, for directory listings
	root  *os.Root // the workspace directory
	dir   string   // its absolute path
}

func openWorkspaceFS(dir string) (*workspaceFS, error) {
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	return &workspaceFS{FS: r.FS(), root: r, dir: dir}, nil
}

func (w *workspaceFS) Close() error { return w.root.Close() }

// errOutside is the problem of a symbolic link that leaves the workspace. It
// says nothing of where the link points.
var errOutside = errors.New("is a symbolic link that leads outside the workspace; envbench reads only files inside the workspace (replace the link with a copy of the file)")

// openRegular opens a configuration file for reading. It checks first that
// the file is a regular file inside the workspace, opens it without
// blocking, then checks that what it opened is the very file it checked, so
// that a file swapped for a pipe in between cannot block the read.
func (w *workspaceFS) openRegular(name string) (fs.File, error) {
	rel, err := w.inside(name)
	if err != nil {
		return nil, err
	}
	before, err := w.root.Stat(rel)
	if err != nil {
		return nil, cleanPathError(err)
	}
	if !before.Mode().IsRegular() {
		return nil, notRegular(before.Mode())
	}
	f, err := w.root.OpenFile(rel, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, cleanPathError(err)
	}
	after, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, cleanPathError(err)
	}
	if !after.Mode().IsRegular() || !os.SameFile(before, after) {
		f.Close()
		return nil, errors.New("the file changed while envbench opened it; run again")
	}
	return f, nil
}

// inside resolves the symbolic links in name and returns the path, relative
// to the workspace, of the file it leads to, or errOutside when that file is
// not inside the workspace. os.Root refuses absolute link targets even when
// they stay inside, so those are resolved here; os.Root still guards the
// open itself.
func (w *workspaceFS) inside(name string) (string, error) {
	info, err := w.root.Lstat(name)
	if err != nil || info.Mode()&fs.ModeSymlink == 0 {
		return name, nil // a missing file is reported by the open
	}
	// Every path component may be a link: resolve the whole path.
	resolved, err := filepath.EvalSymlinks(filepath.Join(w.dir, filepath.FromSlash(name)))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", errors.New("is a symbolic link to a file that does not exist")
		}
		return "", errOutside
	}
	base, err := filepath.EvalSymlinks(w.dir)
	if err != nil {
		return "", fmt.Errorf("resolve the workspace directory: %w", err)
	}
	rel, err := filepath.Rel(base, resolved)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel) {
		return "", errOutside
	}
	return filepath.ToSlash(rel), nil
}

// cleanPathError drops the operation and path from an *fs.PathError: the
// diagnostic already names the file, and a path resolved through a link
// must not be shown.
func cleanPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		if strings.Contains(pe.Err.Error(), "escapes") {
			return errOutside
		}
		return pe.Err
	}
	return err
}

func notRegular(m fs.FileMode) error {
	kind := "not a regular file"
	switch {
	case m.IsDir():
		kind = "a directory"
	case m&fs.ModeNamedPipe != 0:
		kind = "a named pipe"
	case m&fs.ModeSocket != 0:
		kind = "a socket"
	case m&fs.ModeDevice != 0 || m&fs.ModeCharDevice != 0:
		kind = "a device"
	}
	return fmt.Errorf("not a regular file (%s); configuration is read only from regular files", kind)
}

// regularOpener is implemented by file systems that can open a file only if
// it is a regular file, without blocking.
type regularOpener interface {
	openRegular(name string) (fs.File, error)
}

// readBounded reads a configuration file: a regular file of at most
// maxFileSize bytes, checked before reading, so a link to a device, a named
// pipe or a huge file is an error, not an endless read.
func readBounded(fsys fs.FS, name string) ([]byte, error) {
	var f fs.File
	var err error
	if o, ok := fsys.(regularOpener); ok {
		f, err = o.openRegular(name)
	} else {
		f, err = fsys.Open(name)
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	switch {
	case !info.Mode().IsRegular():
		return nil, notRegular(info.Mode())
	case info.Size() > maxFileSize:
		return nil, fmt.Errorf("file is %d bytes; configuration files are limited to %d", info.Size(), maxFileSize)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("file is larger than %d bytes, the limit for configuration files", maxFileSize)
	}
	return data, nil
}
