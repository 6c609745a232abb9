//! The stream layer under the `io` library: the process-wide buffered standard output,
//! and the buffered read/write streams a FILE* handle owns (regular files, pipes, the
//! standard streams). Nothing here touches the Lua state.

use std::cell::RefCell;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Seek, SeekFrom, Write};
use std::process::{Child, ChildStdin, ChildStdout};
use std::rc::{Rc, Weak};
use std::sync::Mutex;

/// Size at which a fully buffered stream writes its buffer out (LUAL_BUFFERSIZE-like).
pub(super) const BUFSIZE: usize = 8192;

/// C's buffering modes (`setvbuf`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum BufMode {
    No,
    Full,
    Line,
}

// ---------------------------------------------------------------------- stdout

pub(super) struct StdoutBuf {
    buf: Vec<u8>,
    pub(super) mode: Option<BufMode>,
}

static STDOUT: Mutex<StdoutBuf> = Mutex::new(StdoutBuf {
    buf: Vec::new(),
    mode: None,
});

pub(super) fn lock_stdout() -> std::sync::MutexGuard<'static, StdoutBuf> {
    STDOUT.lock().unwrap_or_else(|e| e.into_inner())
}

fn default_stdout_mode() -> BufMode {
    use std::io::IsTerminal;
    if io::stdout().is_terminal() {
        BufMode::Line
    } else {
        BufMode::Full
    }
}

fn stdout_write_result(bytes: &[u8]) -> io::Result<()> {
    let mut g = lock_stdout();
    let mode = *g.mode.get_or_insert_with(default_stdout_mode);
    g.buf.extend_from_slice(bytes);
    let flush = match mode {
        BufMode::No => true,
        BufMode::Line => bytes.contains(&b'\n'),
        BufMode::Full => g.buf.len() >= BUFSIZE,
    };
    if flush {
        let mut out = io::stdout().lock();
        let r = out.write_all(&g.buf).and_then(|_| out.flush());
        g.buf.clear();
        r
    } else {
        Ok(())
    }
}

/// Writes to the process's buffered standard output (used by `print`).
pub fn stdout_write(bytes: &[u8]) {
    let _ = stdout_write_result(bytes);
}

fn flush_stdout_result() -> io::Result<()> {
    let mut g = lock_stdout();
    let mut out = io::stdout().lock();
    let r = out.write_all(&g.buf).and_then(|_| out.flush());
    g.buf.clear();
    r
}

/// Writes out whatever standard output holds.
pub fn flush_stdout() {
    let _ = flush_stdout_result();
}

/// Writes to standard error (unbuffered), after flushing standard output.
pub fn stderr_write(bytes: &[u8]) {
    flush_stdout();
    let _ = io::stderr().write_all(bytes);
}

thread_local! {
    /// Files opened on this thread, for `flush_all`.
    static OPEN_FILES: RefCell<Vec<Weak<RefCell<FileInner>>>> = const { RefCell::new(Vec::new()) };
}

/// Flushes standard output and every open file of this thread (before `exit`).
pub fn flush_all() {
    OPEN_FILES.with(|l| {
        for w in l.borrow().iter() {
            if let Some(f) = w.upgrade() {
                if let Ok(mut f) = f.try_borrow_mut() {
                    let _ = f.flush();
                }
            }
        }
    });
    flush_stdout();
}

pub(super) fn ebadf() -> io::Error {
    io::Error::from_raw_os_error(9)
}

// ---------------------------------------------------------------------- streams

pub(super) enum Stream {
    Stdin,
    Stdout,
    Stderr,
    File(BufReader<File>),
    PipeIn(BufReader<ChildStdout>, Child),
    PipeOut(ChildStdin, Child),
    Closed,
}

pub struct FileInner {
    pub(super) stream: Stream,
    /// Pending writes (regular files and output pipes).
    wbuf: Vec<u8>,
    pub(super) mode: BufMode,
    /// What the open mode allows (C's stdio refuses the other direction with EBADF).
    readable: bool,
    writable: bool,
}

impl FileInner {
    pub(super) fn flush(&mut self) -> io::Result<()> {
        match &mut self.stream {
            Stream::Stdout => flush_stdout_result(),
            Stream::File(r) if !self.wbuf.is_empty() => {
                let res = r.get_mut().write_all(&self.wbuf);
                self.wbuf.clear();
                res
            }
            Stream::PipeOut(w, _) if !self.wbuf.is_empty() => {
                let res = w.write_all(&self.wbuf).and_then(|_| w.flush());
                self.wbuf.clear();
                res
            }
            _ => Ok(()),
        }
    }

    pub(super) fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        match &mut self.stream {
            Stream::Stdout => return stdout_write_result(bytes),
            Stream::Stderr => {
                flush_stdout();
                return io::stderr().write_all(bytes);
            }
            Stream::File(_) if !self.writable => return Err(ebadf()),
            Stream::File(r) => {
                if !r.buffer().is_empty() {
                    // Drop the read-ahead and put the file position where reading was.
                    let p = r.stream_position()?;
                    r.seek(SeekFrom::Start(p))?;
                }
            }
            Stream::PipeOut(..) => {}
            _ => return Err(ebadf()),
        }
        self.wbuf.extend_from_slice(bytes);
        let flush = match self.mode {
            BufMode::No => true,
            BufMode::Line => bytes.contains(&b'\n'),
            BufMode::Full => self.wbuf.len() >= BUFSIZE,
        };
        if flush {
            self.flush()
        } else {
            Ok(())
        }
    }

    /// Runs `op` on the stream's reader.
    pub(super) fn with_reader<T>(
        &mut self,
        op: impl FnOnce(&mut dyn BufRead) -> io::Result<T>,
    ) -> io::Result<T> {
        match &mut self.stream {
            Stream::Stdin => {
                flush_stdout();
                op(&mut io::stdin().lock())
            }
            Stream::File(_) if !self.readable => Err(ebadf()),
            Stream::File(_) => {
                self.flush()?;
                match &mut self.stream {
                    Stream::File(r) => op(r),
                    _ => unreachable!(),
                }
            }
            Stream::PipeIn(r, _) => op(r),
            _ => Err(ebadf()),
        }
    }

    pub(super) fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.flush()?;
        match &mut self.stream {
            Stream::File(r) => r.seek(pos),
            Stream::Stdin => dup_seek(io::stdin().as_fd_owned()?, pos),
            Stream::Stdout => dup_seek(io::stdout().as_fd_owned()?, pos),
            Stream::Stderr => dup_seek(io::stderr().as_fd_owned()?, pos),
            _ => Err(io::Error::from_raw_os_error(29)), // ESPIPE
        }
    }

    /// Closes the stream; pipes report their command's status like `os.execute`.
    pub(super) fn close(&mut self) -> io::Result<Option<std::process::ExitStatus>> {
        let r = self.flush();
        let old = std::mem::replace(&mut self.stream, Stream::Closed);
        match old {
            Stream::PipeIn(r, mut child) => {
                drop(r);
                child.wait().map(Some)
            }
            Stream::PipeOut(w, mut child) => {
                drop(w);
                child.wait().map(Some)
            }
            _ => r.map(|_| None),
        }
    }
}

impl Drop for FileInner {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

/// A duplicate of a standard stream's descriptor as a `File` (shares its offset).
trait AsFdOwned {
    fn as_fd_owned(&self) -> io::Result<File>;
}
impl<T: std::os::fd::AsFd> AsFdOwned for T {
    fn as_fd_owned(&self) -> io::Result<File> {
        Ok(File::from(self.as_fd().try_clone_to_owned()?))
    }
}

fn dup_seek(mut f: File, pos: SeekFrom) -> io::Result<u64> {
    f.seek(pos)
}

/// The value a FILE* userdata holds.
pub struct LuaFile {
    pub(super) inner: Rc<RefCell<FileInner>>,
    /// stdin/stdout/stderr: `close` refuses to close them.
    pub(super) is_std: bool,
}

impl LuaFile {
    pub(super) fn new(stream: Stream, is_std: bool) -> LuaFile {
        LuaFile::with_access(stream, is_std, true, true)
    }
    pub(super) fn with_access(
        stream: Stream,
        is_std: bool,
        readable: bool,
        writable: bool,
    ) -> LuaFile {
        let mode = if matches!(stream, Stream::Stderr) {
            BufMode::No
        } else {
            BufMode::Full
        };
        let inner = FileInner {
            stream,
            wbuf: Vec::new(),
            mode,
            readable,
            writable,
        };
        let inner = Rc::new(RefCell::new(inner));
        if !is_std {
            OPEN_FILES.with(|l| {
                let mut l = l.borrow_mut();
                l.retain(|w| w.strong_count() > 0);
                l.push(Rc::downgrade(&inner));
            });
        }
        LuaFile { inner, is_std }
    }
    pub(super) fn is_closed(&self) -> bool {
        matches!(self.inner.borrow().stream, Stream::Closed)
    }
}
