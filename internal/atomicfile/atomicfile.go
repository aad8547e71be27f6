// Package atomicfile writes a file so that a reader never sees half of it:
// the bytes go to a temporary file in the same directory, which is then
// renamed over the target.
//
// A rename replaces whatever the target is. Run as root with a target such
// as /dev/null or /dev/stdout, a plain "temp file + rename" would replace
// the device node with a regular file (this happened on a build machine).
// So when the target exists and is not a regular file (a device, a pipe, a
// socket), Write writes into it directly, as cp would, and never renames.
// A directory or a symbolic link as the target is refused.
package atomicfile

import (
	"fmt"
	"os"
	"path/filepath"
)

// Write writes b to path atomically with the given mode (see the package
// doc for targets that are not regular files).
func Write(path string, b []byte, mode os.FileMode) error {
	fi, err := os.Lstat(path)
	switch {
	case err == nil && fi.Mode()&os.ModeSymlink != 0:
		return fmt.Errorf("%s is a symbolic link: refusing to replace it (give the real path)", path)
	case err == nil && fi.IsDir():
		return fmt.Errorf("%s is a directory", path)
	case err == nil && !fi.Mode().IsRegular():
		return writeInto(path, b)
	case err != nil && !os.IsNotExist(err):
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op once renamed
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp, mode); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// writeInto writes b into an existing file that is not a regular file.
func writeInto(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
