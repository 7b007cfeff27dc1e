//! The embedded executor: runs the infra ASL files on one machine — one state machine per permit
//! and one for complaints — persisting every execution, callback task and history event in
//! SQLite so that a restart continues each case where it was. The Lambda functions it calls are
//! registered in-process by name (the task contract is `ports::task`).
//!
//! Semantics follow Step Functions Standard workflows for the subset loaded by
//! [`super::definition`]: `lambda:invoke` returns `{ExecutedVersion, Payload, StatusCode}`;
//! `.waitForTaskToken` waits for `SendTaskSuccess`/`SendTaskFailure` or `TimeoutSeconds` (or the `TimeoutSecondsPath` in its input);
//! Retry and Catch match error names (`States.ALL`, `States.TaskFailed`, `States.Timeout`,
//! the function's error type); a duplicate or late completion changes nothing.

use crate::sqlite::{Db, JoinFailed};
use async_trait::async_trait;
use chrono::{DateTime, SecondsFormat, Utc};
use perizinan::asl::definition::{Definition, Resource, State, TaskState, Transition};
use perizinan::asl::eval::{self, RuntimeError};
use perizinan::ports::clock::Clock;
use perizinan::ports::orchestrator::{Completion, Orchestrator, OrchestratorError};
use perizinan::ports::task::TaskFunction;
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

/// A task's failure as the state machine sees it: `error` is what Retry/Catch match (the task
/// function's error type, or `States.Timeout`, `Lambda.*`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{error}: {cause}")]
pub struct TaskError {
    pub error: String,
    pub cause: String,
}

impl TaskError {
    pub fn new(error: impl Into<String>, cause: impl Into<String>) -> Self {
        Self {
            error: error.into(),
            cause: cause.into(),
        }
    }
}

impl From<perizinan::ports::task::TaskError> for TaskError {
    fn from(e: perizinan::ports::task::TaskError) -> Self {
        TaskError::new(e.name(), e.cause())
    }
}

/// A function the state machine can invoke (`Parameters.FunctionName`).
pub type TaskFn = Arc<dyn TaskFunction>;

#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    #[error("execution store: {0}")]
    Db(String),
    #[error("execution `{0}` already exists")]
    AlreadyExists(String),
    #[error("invalid execution name `{0}`")]
    InvalidName(String),
    #[error("unknown state machine `{0}`")]
    UnknownMachine(String),
}

impl From<rusqlite::Error> for ExecError {
    fn from(e: rusqlite::Error) -> Self {
        ExecError::Db(e.to_string())
    }
}
impl From<JoinFailed> for ExecError {
    fn from(e: JoinFailed) -> Self {
        ExecError::Db(e.0)
    }
}
impl From<serde_json::Error> for ExecError {
    fn from(e: serde_json::Error) -> Self {
        ExecError::Db(format!("stored JSON: {e}"))
    }
}

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS executions (
    name TEXT PRIMARY KEY,
    machine TEXT NOT NULL,
    input TEXT NOT NULL,
    status TEXT NOT NULL,
    state TEXT NOT NULL,
    phase TEXT NOT NULL,
    data TEXT NOT NULL,
    attempts TEXT NOT NULL DEFAULT '{}',
    started_at TEXT NOT NULL,
    state_entered_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    stopped_at TEXT,
    output TEXT,
    error TEXT,
    cause TEXT
);
CREATE INDEX IF NOT EXISTS executions_ready ON executions(status, phase);
CREATE TABLE IF NOT EXISTS tasks (
    token TEXT PRIMARY KEY,
    execution TEXT NOT NULL,
    state TEXT NOT NULL,
    function TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL,
    invoked INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    timeout_at TEXT,
    closed_at TEXT
);
CREATE INDEX IF NOT EXISTS tasks_waiting ON tasks(status, timeout_at);
CREATE INDEX IF NOT EXISTS tasks_by_execution ON tasks(execution);
CREATE TABLE IF NOT EXISTS history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    execution TEXT NOT NULL,
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    state TEXT,
    detail TEXT
);
CREATE INDEX IF NOT EXISTS history_by_execution ON history(execution, id);
"#;

/// Most transitions one drive may make before the execution is failed as runaway.
const MAX_TRANSITIONS: usize = 1000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ExecutionStatus {
    Running,
    Succeeded,
    Failed,
}

/// What `describe` shows of an execution.
#[derive(Debug, Clone, Serialize)]
pub struct ExecutionInfo {
    pub name: String,
    pub status: String,
    pub state: String,
    /// `ready` (being advanced) or `waiting` (a callback task waits for its token).
    pub phase: String,
    pub started_at: String,
    pub stopped_at: Option<String>,
    pub output: Option<Value>,
    pub error: Option<String>,
    pub cause: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct HistoryEvent {
    pub id: i64,
    pub at: String,
    pub kind: String,
    pub state: Option<String>,
    pub detail: Option<Value>,
}

#[derive(Debug, Clone)]
struct Exec {
    name: String,
    machine: String,
    input: Value,
    status: String,
    state: String,
    phase: String,
    data: Value,
    attempts: HashMap<String, u32>,
    started_at: String,
    state_entered_at: String,
}

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn load_exec(c: &Connection, name: &str) -> Result<Option<Exec>, ExecError> {
    let row = c
        .query_row(
            "SELECT name, input, status, state, phase, data, attempts, started_at, state_entered_at,
                machine
             FROM executions WHERE name = ?1",
            params![name],
            |r| {
                Ok((
                    (
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                    ),
                    (
                        r.get::<_, String>(5)?,
                        r.get::<_, String>(6)?,
                        r.get::<_, String>(7)?,
                        r.get::<_, String>(8)?,
                        r.get::<_, String>(9)?,
                    ),
                ))
            },
        )
        .optional()?;
    let Some(((name, input, status, state, phase), (data, attempts, started_at, entered, machine))) =
        row
    else {
        return Ok(None);
    };
    Ok(Some(Exec {
        name,
        machine,
        input: serde_json::from_str(&input)?,
        status,
        state,
        phase,
        data: serde_json::from_str(&data)?,
        attempts: serde_json::from_str(&attempts)?,
        started_at,
        state_entered_at: entered,
    }))
}

fn history(
    c: &Connection,
    exec: &str,
    at: &str,
    kind: &str,
    state: Option<&str>,
    detail: Option<&Value>,
) -> rusqlite::Result<()> {
    c.execute(
        "INSERT INTO history (execution, at, kind, state, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![exec, at, kind, state, detail.map(Value::to_string)],
    )?;
    Ok(())
}

/// Moves an execution on (within the caller's transaction).
fn apply_transition(
    c: &Connection,
    exec: &str,
    from: &str,
    t: &Transition,
    out: &Value,
    now: &str,
) -> Result<(), ExecError> {
    history(c, exec, now, "StateExited", Some(from), None)?;
    match t {
        Transition::Next(n) => {
            c.execute(
                "UPDATE executions SET state = ?2, phase = 'ready', data = ?3, attempts = '{}',
                    state_entered_at = ?4, updated_at = ?4 WHERE name = ?1",
                params![exec, n, out.to_string(), now],
            )?;
            history(c, exec, now, "StateEntered", Some(n), None)?;
        }
        Transition::End => succeed(c, exec, out, now)?,
    }
    Ok(())
}

fn succeed(c: &Connection, exec: &str, out: &Value, now: &str) -> Result<(), ExecError> {
    c.execute(
        "UPDATE executions SET status = 'SUCCEEDED', phase = 'done', output = ?2, stopped_at = ?3,
            updated_at = ?3 WHERE name = ?1",
        params![exec, out.to_string(), now],
    )?;
    history(c, exec, now, "ExecutionSucceeded", None, None)?;
    Ok(())
}

fn fail(c: &Connection, exec: &str, error: &str, cause: &str, now: &str) -> Result<(), ExecError> {
    c.execute(
        "UPDATE executions SET status = 'FAILED', phase = 'done', error = ?2, cause = ?3,
            stopped_at = ?4, updated_at = ?4 WHERE name = ?1",
        params![exec, error, cause, now],
    )?;
    c.execute(
        "UPDATE tasks SET status = 'cancelled', closed_at = ?2
         WHERE execution = ?1 AND status = 'waiting'",
        params![exec, now],
    )?;
    history(
        c,
        exec,
        now,
        "ExecutionFailed",
        None,
        Some(&json!({"error": error, "cause": cause})),
    )?;
    Ok(())
}

/// After a task error: Retry (callback tasks re-enter the state), else Catch, else fail.
fn handle_task_error(
    c: &Connection,
    ex: &Exec,
    t: &TaskState,
    err: &TaskError,
    allow_retry: bool,
    now: &str,
) -> Result<(), ExecError> {
    if allow_retry
        && let Some((i, r)) = t
            .retry
            .iter()
            .enumerate()
            .find(|(_, r)| eval::error_matches(&r.error_equals, &err.error))
    {
        let n = ex.attempts.get(&i.to_string()).copied().unwrap_or(0);
        if n < r.max_attempts {
            let mut attempts = ex.attempts.clone();
            attempts.insert(i.to_string(), n + 1);
            c.execute(
                "UPDATE executions SET phase = 'ready', attempts = ?2, updated_at = ?3
                 WHERE name = ?1",
                params![ex.name, serde_json::to_string(&attempts)?, now],
            )?;
            history(
                c,
                &ex.name,
                now,
                "TaskRetried",
                Some(&ex.state),
                Some(&json!({"error": err.error})),
            )?;
            return Ok(());
        }
    }
    if let Some(catcher) = t
        .catch
        .iter()
        .find(|k| eval::error_matches(&k.error_equals, &err.error))
    {
        let caught = json!({"Error": err.error, "Cause": err.cause});
        match eval::result_path(&catcher.result_path, ex.data.clone(), caught) {
            Ok(out) => {
                history(
                    c,
                    &ex.name,
                    now,
                    "TaskCaught",
                    Some(&ex.state),
                    Some(&json!({"error": err.error, "next": catcher.next})),
                )?;
                apply_transition(
                    c,
                    &ex.name,
                    &ex.state,
                    &Transition::Next(catcher.next.clone()),
                    &out,
                    now,
                )
            }
            Err(RuntimeError(m)) => fail(c, &ex.name, "States.Runtime", &m, now),
        }
    } else {
        fail(c, &ex.name, &err.error, &err.cause, now)
    }
}

struct Inner {
    /// Each state machine's definition, by name.
    machines: HashMap<String, Definition>,
    db: Db,
    functions: RwLock<HashMap<String, TaskFn>>,
    clock: Arc<dyn Clock>,
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// Multiplies Retry intervals (1.0 in production; tests may shorten waits).
    retry_time_scale: f64,
    /// States processed (what Step Functions bills as state transitions).
    transitions: std::sync::atomic::AtomicU64,
    /// Write transactions on the execution store.
    writes: std::sync::atomic::AtomicU64,
}

/// What an executor has done since it was opened.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct ExecStats {
    pub transitions: u64,
    pub writes: u64,
}

#[derive(Clone)]
pub struct Executor {
    inner: Arc<Inner>,
}

enum Drive {
    Continue,
    Stop,
}

impl Executor {
    /// States processed and write transactions since the executor was opened.
    pub fn stats(&self) -> ExecStats {
        use std::sync::atomic::Ordering::Relaxed;
        ExecStats {
            transitions: self.inner.transitions.load(Relaxed),
            writes: self.inner.writes.load(Relaxed),
        }
    }

    /// Opens (or creates) the execution store at `path` for `machines` (name, definition).
    /// Executions stored before machines were named (release 0.1, one machine per store) belong
    /// to `unnamed`.
    pub fn open(
        path: &Path,
        machines: Vec<(String, Definition)>,
        unnamed: &str,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, ExecError> {
        let db = Db::open(path)?;
        Self::with_db(db, machines, unnamed, clock)
    }

    pub fn in_memory(
        machines: Vec<(String, Definition)>,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, ExecError> {
        Self::with_db(Db::open_in_memory()?, machines, "", clock)
    }

    fn with_db(
        db: Db,
        machines: Vec<(String, Definition)>,
        unnamed: &str,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, ExecError> {
        let unnamed = unnamed.to_string();
        db.with(move |c| -> rusqlite::Result<()> {
            let has_table: bool = c
                .prepare(
                    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'executions'",
                )?
                .exists([])?;
            let has_machine = has_table
                && c.prepare(
                    "SELECT 1 FROM pragma_table_info('executions') WHERE name = 'machine'",
                )?
                .exists([])?;
            if has_table && !has_machine {
                // A store written before machines were named: every execution is `unnamed`'s.
                c.execute_batch(
                    "ALTER TABLE executions ADD COLUMN machine TEXT NOT NULL DEFAULT ''",
                )?;
                c.execute("UPDATE executions SET machine = ?1", params![unnamed])?;
            }
            c.execute_batch(SCHEMA)
        })?;
        Ok(Self {
            inner: Arc::new(Inner {
                machines: machines.into_iter().collect(),
                db,
                functions: RwLock::new(HashMap::new()),
                clock,
                locks: Mutex::new(HashMap::new()),
                retry_time_scale: 1.0,
                transitions: Default::default(),
                writes: Default::default(),
            }),
        })
    }

    /// Shortens (or lengthens) Retry waits; must be called before the executor is shared.
    pub fn with_retry_time_scale(mut self, scale: f64) -> Self {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.retry_time_scale = scale;
        }
        self
    }

    pub fn definition(&self, machine: &str) -> Option<&Definition> {
        self.inner.machines.get(machine)
    }

    /// Makes `f` callable as `Parameters.FunctionName == name`.
    pub fn register(&self, name: &str, f: TaskFn) {
        self.inner
            .functions
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(name.to_string(), f);
    }

    /// One row of `sql` with `key` as its one parameter, or none.
    async fn one<T: Send + 'static>(
        &self,
        sql: &'static str,
        key: &str,
        row: fn(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Option<T>, ExecError> {
        let key = key.to_string();
        self.inner
            .db
            .call(move |c| -> Result<_, ExecError> {
                Ok(c.query_row(sql, params![key], row).optional()?)
            })
            .await
    }

    fn now(&self) -> String {
        ts(self.inner.clock.now())
    }

    fn state_of(&self, machine: &str, state: &str) -> Option<&State> {
        self.inner.machines.get(machine)?.state(state)
    }

    fn lock_for(&self, name: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut m = self.inner.locks.lock().unwrap_or_else(|p| p.into_inner());
        m.entry(name.to_string()).or_default().clone()
    }

    fn context(&self, ex: &Exec, token: Option<&str>) -> Value {
        let machine = &ex.machine;
        let mut c = json!({
            "Execution": {
                "Id": format!("arn:aws:states:local:000000000000:execution:{machine}:{}", ex.name),
                "Name": ex.name,
                "Input": ex.input,
                "StartTime": ex.started_at,
            },
            "StateMachine": {
                "Id": format!("arn:aws:states:local:000000000000:stateMachine:{machine}"),
                "Name": machine,
            },
            "State": {"Name": ex.state, "EnteredTime": ex.state_entered_at},
        });
        if let Some(t) = token {
            c["Task"] = json!({ "Token": t });
        }
        c
    }

    /// StartExecution: a second start with the same name and input while it runs is a no-op;
    /// with another input, or once it has stopped, it is `AlreadyExists`. Runs the execution
    /// until it waits or ends.
    pub async fn start_execution(
        &self,
        machine: &str,
        name: &str,
        input: Value,
    ) -> Result<(), ExecError> {
        if name.is_empty()
            || name.len() > 80
            || name
                .chars()
                .any(|c| c.is_whitespace() || "<>{}[]?*\"#%\\^|~`$&,;:/".contains(c))
        {
            return Err(ExecError::InvalidName(name.to_string()));
        }
        let def = self
            .inner
            .machines
            .get(machine)
            .ok_or_else(|| ExecError::UnknownMachine(machine.to_string()))?;
        let (n, i, m) = (name.to_string(), input.clone(), machine.to_string());
        let start = def.start_at.clone();
        let now = self.now();
        let created = self
            .inner
            .db
            .call(move |c| -> Result<bool, ExecError> {
                let tx = c.transaction()?;
                if let Some(ex) = load_exec(&tx, &n)? {
                    return if ex.status == "RUNNING" && ex.input == i {
                        Ok(false)
                    } else {
                        Err(ExecError::AlreadyExists(n))
                    };
                }
                tx.execute(
                    "INSERT INTO executions (name, machine, input, status, state, phase, data,
                        started_at, state_entered_at, updated_at)
                     VALUES (?1, ?5, ?2, 'RUNNING', ?3, 'ready', ?2, ?4, ?4, ?4)",
                    params![n, i.to_string(), start, now, m],
                )?;
                history(&tx, &n, &now, "ExecutionStarted", None, None)?;
                history(&tx, &n, &now, "StateEntered", Some(&start), None)?;
                tx.commit()?;
                Ok(true)
            })
            .await?;
        if created {
            tracing::info!(execution = name, "execution started");
        }
        self.drive(name).await
    }

    /// SendTaskSuccess. A token that is unknown, already used or timed out changes nothing.
    pub async fn send_task_success(
        &self,
        token: &str,
        output: Value,
    ) -> Result<Completion, ExecError> {
        self.close_task(token, Ok(output)).await
    }

    /// SendTaskFailure: the task fails with `error` (Retry/Catch apply).
    pub async fn send_task_failure(
        &self,
        token: &str,
        error: &str,
        cause: &str,
    ) -> Result<Completion, ExecError> {
        self.close_task(token, Err(TaskError::new(error, cause)))
            .await
    }

    async fn close_task(
        &self,
        token: &str,
        result: Result<Value, TaskError>,
    ) -> Result<Completion, ExecError> {
        let exec: Option<String> = self
            .one("SELECT execution FROM tasks WHERE token = ?1", token, |r| {
                r.get(0)
            })
            .await?;
        let Some(exec) = exec else {
            return Ok(Completion::AlreadyClosed);
        };
        let lock = self.lock_for(&exec);
        let guard = lock.lock().await;
        let this = self.clone();
        let (t, e) = (token.to_string(), exec.clone());
        let now = self.now();
        let delivered = self
            .inner
            .db
            .call(move |c| -> Result<bool, ExecError> {
                let tx = c.transaction()?;
                let row: Option<(String, String)> = tx
                    .query_row(
                        "SELECT state, status FROM tasks WHERE token = ?1",
                        params![t],
                        |r| Ok((r.get(0)?, r.get(1)?)),
                    )
                    .optional()?;
                let Some((state_name, status)) = row else {
                    return Ok(false);
                };
                if status != "waiting" {
                    return Ok(false);
                }
                let Some(ex) = load_exec(&tx, &e)? else {
                    return Ok(false);
                };
                if ex.status != "RUNNING" || ex.state != state_name || ex.phase != "waiting" {
                    return Ok(false);
                }
                let Some(State::Task(task)) = this.state_of(&ex.machine, &state_name) else {
                    fail(&tx, &e, "States.Runtime", "state left the definition", &now)?;
                    tx.commit()?;
                    return Ok(false);
                };
                let (new_status, kind) = match &result {
                    Ok(_) => ("succeeded", "TaskSucceeded"),
                    Err(err) if err.error == "States.Timeout" => ("timed_out", "TaskTimedOut"),
                    Err(_) => ("failed", "TaskFailed"),
                };
                tx.execute(
                    "UPDATE tasks SET status = ?2, closed_at = ?3 WHERE token = ?1",
                    params![t, new_status, now],
                )?;
                let detail = match &result {
                    Ok(v) => v.get("outcome").map(|o| json!({ "outcome": o })),
                    Err(err) => Some(json!({"error": err.error})),
                };
                history(&tx, &e, &now, kind, Some(&state_name), detail.as_ref())?;
                match result {
                    Ok(output) => {
                        let out = eval::result_path(&task.result_path, ex.data.clone(), output)
                            .and_then(|o| eval::output_path(&task.io.output_path, o));
                        match out {
                            Ok(out) => apply_transition(
                                &tx,
                                &e,
                                &state_name,
                                &task.transition,
                                &out,
                                &now,
                            )?,
                            Err(RuntimeError(m)) => fail(&tx, &e, "States.Runtime", &m, &now)?,
                        }
                    }
                    Err(err) => handle_task_error(&tx, &ex, task, &err, true, &now)?,
                }
                tx.commit()?;
                Ok(true)
            })
            .await?;
        drop(guard);
        if delivered {
            self.drive(&exec).await?;
            Ok(Completion::Delivered)
        } else {
            Ok(Completion::AlreadyClosed)
        }
    }

    /// Fails every callback task whose `TimeoutSeconds` has passed with `States.Timeout`.
    /// Returns how many timed out.
    pub async fn fire_timeouts(&self) -> Result<usize, ExecError> {
        let now = self.now();
        let due: Vec<String> = self
            .inner
            .db
            .call(move |c| -> Result<_, ExecError> {
                let mut s = c.prepare(
                    "SELECT token FROM tasks WHERE status = 'waiting' AND timeout_at IS NOT NULL
                     AND timeout_at <= ?1",
                )?;
                let rows = s.query_map(params![now], |r| r.get(0))?;
                Ok(rows.collect::<Result<Vec<String>, _>>()?)
            })
            .await?;
        let mut n = 0;
        for token in due {
            if self
                .close_task(
                    &token,
                    Err(TaskError::new(
                        "States.Timeout",
                        "the task did not complete within TimeoutSeconds",
                    )),
                )
                .await?
                == Completion::Delivered
            {
                n += 1;
            }
        }
        Ok(n)
    }

    /// After a restart: advances executions that were between states and re-invokes callback
    /// tasks whose function call may not have finished. Returns how many were resumed.
    pub async fn recover(&self) -> Result<usize, ExecError> {
        let (ready, uninvoked): (Vec<String>, Vec<(String, String)>) = self
            .inner
            .db
            .call(|c| -> Result<_, ExecError> {
                let mut s = c.prepare(
                    "SELECT name FROM executions WHERE status = 'RUNNING' AND phase = 'ready'",
                )?;
                let ready = s
                    .query_map([], |r| r.get(0))?
                    .collect::<Result<Vec<String>, _>>()?;
                let mut s = c.prepare(
                    "SELECT token, execution FROM tasks WHERE status = 'waiting' AND invoked = 0",
                )?;
                let un = s
                    .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<Result<Vec<(String, String)>, _>>()?;
                Ok((ready, un))
            })
            .await?;
        let n = ready.len() + uninvoked.len();
        for name in ready {
            self.drive(&name).await?;
        }
        for (token, exec) in uninvoked {
            self.reinvoke(&token, &exec).await?;
        }
        if n > 0 {
            tracing::info!(resumed = n, "executions resumed after restart");
        }
        Ok(n)
    }

    /// Restarts executions that failed with one of `errors`, from the state that failed, with
    /// that state's input and fresh retry counts (Step Functions' `RedriveExecution`). Returns
    /// how many were restarted.
    pub async fn redrive_failed(&self, errors: &[&str]) -> Result<usize, ExecError> {
        let errors: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        let failed: Vec<String> = self
            .inner
            .db
            .call(move |c| -> Result<_, ExecError> {
                let mut s = c.prepare(
                    "SELECT name, error FROM executions WHERE status = 'FAILED' ORDER BY name",
                )?;
                let rows = s.query_map([], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
                })?;
                let mut out = vec![];
                for row in rows {
                    let (name, error) = row?;
                    if error.is_some_and(|e| errors.contains(&e)) {
                        out.push(name);
                    }
                }
                Ok(out)
            })
            .await?;
        let mut n = 0;
        for name in failed {
            let now = self.now();
            let exec = name.clone();
            let reopened = self
                .inner
                .db
                .call(move |c| -> Result<bool, ExecError> {
                    let tx = c.transaction()?;
                    let changed = tx.execute(
                        "UPDATE executions SET status = 'RUNNING', phase = 'ready', attempts = '{}',
                             error = NULL, cause = NULL, stopped_at = NULL, updated_at = ?2
                         WHERE name = ?1 AND status = 'FAILED'",
                        params![exec, now],
                    )?;
                    if changed == 1 {
                        history(&tx, &exec, &now, "ExecutionRedriven", None, None)?;
                    }
                    tx.commit()?;
                    Ok(changed == 1)
                })
                .await?;
            if reopened {
                tracing::info!(execution = %name, "failed execution redriven");
                self.drive(&name).await?;
                n += 1;
            }
        }
        Ok(n)
    }

    async fn reinvoke(&self, token: &str, exec: &str) -> Result<(), ExecError> {
        let row: Option<(String, String, String)> = self
            .one(
                "SELECT state, function, payload FROM tasks WHERE token = ?1 AND status = 'waiting'",
                token,
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .await?;
        let Some((state, function, payload)) = row else {
            return Ok(());
        };
        let machine: Option<String> = self
            .one(
                "SELECT machine FROM executions WHERE name = ?1",
                exec,
                |r| r.get(0),
            )
            .await?;
        let Some(State::Task(task)) = machine.and_then(|m| self.state_of(&m, &state).cloned())
        else {
            return Ok(());
        };
        let task = &task;
        let payload: Value = serde_json::from_str(&payload)?;
        match self
            .call_with_retry(exec, &state, task, &function, payload)
            .await
        {
            Ok(_) => self.mark_invoked(token).await,
            Err(err) => {
                self.close_task(token, Err(err)).await?;
                Ok(())
            }
        }
    }

    async fn mark_invoked(&self, token: &str) -> Result<(), ExecError> {
        let t = token.to_string();
        self.inner
            .db
            .call(move |c| -> Result<_, ExecError> {
                c.execute("UPDATE tasks SET invoked = 1 WHERE token = ?1", params![t])?;
                Ok(())
            })
            .await
    }

    async fn invoke(
        &self,
        function: &str,
        payload: Value,
        timeout: Option<u64>,
    ) -> Result<Value, TaskError> {
        let f = self
            .inner
            .functions
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(function)
            .cloned();
        let Some(f) = f else {
            return Err(TaskError::new(
                "Lambda.ResourceNotFoundException",
                format!("function `{function}` is not registered"),
            ));
        };
        // Run on its own task so that a panicking function is an error, not a crash.
        let handle = tokio::spawn(async move { f.invoke(payload).await.map_err(TaskError::from) });
        let joined = match timeout {
            Some(s) => match tokio::time::timeout(Duration::from_secs(s), handle).await {
                Ok(j) => j,
                Err(_) => {
                    return Err(TaskError::new(
                        "States.Timeout",
                        format!("function `{function}` ran longer than {s} s"),
                    ));
                }
            },
            None => handle.await,
        };
        joined.unwrap_or_else(|e| {
            Err(TaskError::new(
                "Lambda.Unknown",
                format!("function `{function}` failed: {e}"),
            ))
        })
    }

    /// Invokes with the state's Retry policy (for errors of the call itself).
    async fn call_with_retry(
        &self,
        exec: &str,
        state: &str,
        task: &TaskState,
        function: &str,
        payload: Value,
    ) -> Result<Value, TaskError> {
        let wait_for_token = task.resource == Resource::InvokeWaitForTaskToken;
        let call_timeout = if wait_for_token {
            None
        } else {
            task.timeout_seconds
        };
        let mut attempts = vec![0u32; task.retry.len()];
        loop {
            match self.invoke(function, payload.clone(), call_timeout).await {
                Ok(v) => return Ok(v),
                Err(err) => {
                    let retrier = task
                        .retry
                        .iter()
                        .enumerate()
                        .find(|(_, r)| eval::error_matches(&r.error_equals, &err.error));
                    let Some((i, r)) = retrier else {
                        return Err(err);
                    };
                    if attempts[i] >= r.max_attempts {
                        return Err(err);
                    }
                    let mut delay = r.interval_seconds * r.backoff_rate.powi(attempts[i] as i32);
                    if let Some(m) = r.max_delay_seconds {
                        delay = delay.min(m);
                    }
                    attempts[i] += 1;
                    tracing::warn!(
                        execution = exec,
                        state,
                        error = %err.error,
                        attempt = attempts[i],
                        "task failed, retrying"
                    );
                    let now = self.now();
                    let (e, s, er) = (exec.to_string(), state.to_string(), err.error.clone());
                    let _recorded = self
                        .inner
                        .db
                        .call(move |c| -> Result<_, ExecError> {
                            history(
                                c,
                                &e,
                                &now,
                                "TaskRetried",
                                Some(&s),
                                Some(&json!({"error": er})),
                            )?;
                            Ok(())
                        })
                        .await;
                    let secs = (delay * self.inner.retry_time_scale).max(0.0);
                    tokio::time::sleep(Duration::from_secs_f64(secs)).await;
                }
            }
        }
    }

    /// Advances an execution until it waits for a token or stops.
    async fn drive(&self, name: &str) -> Result<(), ExecError> {
        let lock = self.lock_for(name);
        let _guard = lock.lock().await;
        for _ in 0..MAX_TRANSITIONS {
            let n = name.to_string();
            let ex = self.inner.db.call(move |c| load_exec(c, &n)).await?;
            let Some(ex) = ex else { return Ok(()) };
            if ex.status != "RUNNING" || ex.phase != "ready" {
                return Ok(());
            }
            match self.step(ex).await? {
                Drive::Continue => continue,
                Drive::Stop => return Ok(()),
            }
        }
        let n = name.to_string();
        let now = self.now();
        self.inner
            .db
            .call(move |c| {
                fail(
                    c,
                    &n,
                    "States.Runtime",
                    "too many transitions without waiting (a loop in the definition?)",
                    &now,
                )
            })
            .await
    }

    /// Writes within one SQLite transaction.
    async fn write(
        &self,
        f: impl FnOnce(&Connection) -> Result<(), ExecError> + Send + 'static,
    ) -> Result<(), ExecError> {
        self.inner
            .writes
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.inner
            .db
            .call(move |c| -> Result<(), ExecError> {
                let tx = c.transaction()?;
                f(&tx)?;
                tx.commit()?;
                Ok(())
            })
            .await
    }

    async fn step(&self, ex: Exec) -> Result<Drive, ExecError> {
        self.inner
            .transitions
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let now = self.now();
        let Some(state) = self.state_of(&ex.machine, &ex.state).cloned() else {
            let (n, s) = (ex.name.clone(), ex.state.clone());
            self.write(move |c| {
                fail(
                    c,
                    &n,
                    "States.Runtime",
                    &format!("state `{s}` is not in the definition"),
                    &now,
                )
            })
            .await?;
            return Ok(Drive::Stop);
        };
        let context = self.context(&ex, None);
        match state {
            State::Pass(p) => {
                let out = eval::input_path(&p.io.input_path, &ex.data).and_then(|eff| {
                    let result = match (&p.parameters, &p.result) {
                        (Some(t), _) => eval::render(t, &eff, &context)?,
                        (None, Some(r)) => r.clone(),
                        (None, None) => eff,
                    };
                    let out = eval::result_path(&p.result_path, ex.data.clone(), result)?;
                    eval::output_path(&p.io.output_path, out)
                });
                self.finish_simple(ex, out, p.transition, now).await
            }
            State::Choice(ch) => {
                let routed = eval::input_path(&ch.io.input_path, &ex.data).and_then(|eff| {
                    let next = ch
                        .choices
                        .iter()
                        .find(|r| eval::matches(&r.rule, &eff))
                        .map(|r| r.next.clone())
                        .or(ch.default.clone())
                        .ok_or_else(|| RuntimeError("States.NoChoiceMatched".into()))?;
                    Ok((next, eval::output_path(&ch.io.output_path, eff)?))
                });
                match routed {
                    Ok((next, out)) => {
                        self.finish_simple(ex, Ok(out), Transition::Next(next), now)
                            .await
                    }
                    Err(RuntimeError(m)) if m == "States.NoChoiceMatched" => {
                        let n = ex.name.clone();
                        self.write(move |c| {
                            fail(
                                c,
                                &n,
                                "States.NoChoiceMatched",
                                "no choice rule matched",
                                &now,
                            )
                        })
                        .await?;
                        Ok(Drive::Stop)
                    }
                    Err(e) => self.finish_simple(ex, Err(e), Transition::End, now).await,
                }
            }
            State::Succeed { io } => {
                let out = eval::input_path(&io.input_path, &ex.data)
                    .and_then(|eff| eval::output_path(&io.output_path, eff));
                self.finish_simple(ex, out, Transition::End, now).await?;
                Ok(Drive::Stop)
            }
            State::Fail { error, cause } => {
                let n = ex.name.clone();
                self.write(move |c| fail(c, &n, &error, &cause, &now))
                    .await?;
                Ok(Drive::Stop)
            }
            State::Task(task) => match task.resource {
                Resource::Invoke => self.run_invoke(ex, task, context).await,
                Resource::InvokeWaitForTaskToken => self.run_callback(ex, task).await,
            },
        }
    }

    async fn finish_simple(
        &self,
        ex: Exec,
        out: Result<Value, RuntimeError>,
        t: Transition,
        now: String,
    ) -> Result<Drive, ExecError> {
        self.write(move |c| match out {
            Ok(out) => apply_transition(c, &ex.name, &ex.state, &t, &out, &now),
            Err(RuntimeError(m)) => fail(c, &ex.name, "States.Runtime", &m, &now),
        })
        .await?;
        Ok(Drive::Continue)
    }

    fn params(
        &self,
        ex: &Exec,
        task: &TaskState,
        context: &Value,
    ) -> Result<(String, Value), RuntimeError> {
        let eff = eval::input_path(&task.io.input_path, &ex.data)?;
        let params = eval::render(&task.parameters, &eff, context)?;
        let function = params
            .get("FunctionName")
            .and_then(Value::as_str)
            .ok_or_else(|| RuntimeError("FunctionName is not a string".into()))?
            .to_string();
        let payload = params.get("Payload").cloned().unwrap_or(Value::Null);
        Ok((function, payload))
    }

    async fn run_invoke(
        &self,
        ex: Exec,
        task: TaskState,
        context: Value,
    ) -> Result<Drive, ExecError> {
        let (function, payload) = match self.params(&ex, &task, &context) {
            Ok(p) => p,
            Err(e) => {
                return self
                    .finish_simple(ex, Err(e), Transition::End, self.now())
                    .await;
            }
        };
        let result = self
            .call_with_retry(&ex.name, &ex.state, &task, &function, payload)
            .await;
        let now = self.now();
        self.write(move |c| match result {
            Ok(v) => {
                let wrapped =
                    json!({"ExecutedVersion": "$LATEST", "Payload": v, "StatusCode": 200});
                let out = eval::result_path(&task.result_path, ex.data.clone(), wrapped)
                    .and_then(|o| eval::output_path(&task.io.output_path, o));
                match out {
                    Ok(out) => {
                        history(c, &ex.name, &now, "TaskSucceeded", Some(&ex.state), None)?;
                        apply_transition(c, &ex.name, &ex.state, &task.transition, &out, &now)
                    }
                    Err(RuntimeError(m)) => fail(c, &ex.name, "States.Runtime", &m, &now),
                }
            }
            Err(err) => {
                history(
                    c,
                    &ex.name,
                    &now,
                    "TaskFailed",
                    Some(&ex.state),
                    Some(&json!({"error": err.error})),
                )?;
                handle_task_error(c, &ex, &task, &err, false, &now)
            }
        })
        .await?;
        Ok(Drive::Continue)
    }

    async fn run_callback(&self, ex: Exec, task: TaskState) -> Result<Drive, ExecError> {
        let token = new_token();
        let context = self.context(&ex, Some(&token));
        let (function, payload) = match self.params(&ex, &task, &context) {
            Ok(p) => p,
            Err(e) => {
                return self
                    .finish_simple(ex, Err(e), Transition::End, self.now())
                    .await;
            }
        };
        let timeout = match eval::timeout(&task, &ex.data) {
            Ok(t) => t,
            Err(e) => {
                return self
                    .finish_simple(ex, Err(e), Transition::End, self.now())
                    .await;
            }
        };
        let now_t = self.inner.clock.now();
        let now = ts(now_t);
        let timeout_at = timeout.map(|s| ts(now_t + chrono::Duration::seconds(s as i64)));
        {
            let (tok, n, st, f, p) = (
                token.clone(),
                ex.name.clone(),
                ex.state.clone(),
                function.clone(),
                payload.to_string(),
            );
            self.write(move |c| {
                c.execute(
                    "INSERT INTO tasks (token, execution, state, function, payload, status, invoked,
                        created_at, timeout_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, 'waiting', 0, ?6, ?7)",
                    params![tok, n, st, f, p, now, timeout_at],
                )?;
                c.execute(
                    "UPDATE executions SET phase = 'waiting', updated_at = ?2 WHERE name = ?1",
                    params![n, now],
                )?;
                history(
                    c,
                    &n,
                    &now,
                    "TaskSubmitted",
                    Some(&st),
                    // As Step Functions' TaskScheduled event (`timeoutInSeconds`).
                    Some(&json!({"function": f, "timeout_seconds": timeout})),
                )?;
                Ok(())
            })
            .await?;
        }
        match self
            .call_with_retry(&ex.name, &ex.state, &task, &function, payload)
            .await
        {
            Ok(_) => {
                self.mark_invoked(&token).await?;
                Ok(Drive::Stop)
            }
            Err(err) => {
                let now = self.now();
                let tok = token.clone();
                self.write(move |c| {
                    c.execute(
                        "UPDATE tasks SET status = 'failed', closed_at = ?2 WHERE token = ?1",
                        params![tok, now],
                    )?;
                    history(
                        c,
                        &ex.name,
                        &now,
                        "TaskFailed",
                        Some(&ex.state),
                        Some(&json!({"error": err.error})),
                    )?;
                    handle_task_error(c, &ex, &task, &err, false, &now)
                })
                .await?;
                Ok(Drive::Continue)
            }
        }
    }

    pub async fn describe(&self, name: &str) -> Result<Option<ExecutionInfo>, ExecError> {
        self.one(
            "SELECT name, status, state, phase, started_at, stopped_at, output, error, cause
             FROM executions WHERE name = ?1",
            name,
            |r| {
                Ok(ExecutionInfo {
                    name: r.get(0)?,
                    status: r.get(1)?,
                    state: r.get(2)?,
                    phase: r.get(3)?,
                    started_at: r.get(4)?,
                    stopped_at: r.get(5)?,
                    output: r
                        .get::<_, Option<String>>(6)?
                        .and_then(|s| serde_json::from_str(&s).ok()),
                    error: r.get(7)?,
                    cause: r.get(8)?,
                })
            },
        )
        .await
    }

    pub async fn history(&self, name: &str) -> Result<Vec<HistoryEvent>, ExecError> {
        let n = name.to_string();
        self.inner
            .db
            .call(move |c| -> Result<_, ExecError> {
                let mut s = c.prepare(
                    "SELECT id, at, kind, state, detail FROM history WHERE execution = ?1 ORDER BY id",
                )?;
                let rows = s.query_map(params![n], |r| {
                    Ok(HistoryEvent {
                        id: r.get(0)?,
                        at: r.get(1)?,
                        kind: r.get(2)?,
                        state: r.get(3)?,
                        detail: r
                            .get::<_, Option<String>>(4)?
                            .and_then(|s| serde_json::from_str(&s).ok()),
                    })
                })?;
                Ok(rows.collect::<Result<Vec<_>, _>>()?)
            })
            .await
    }
}

/// 256 random bits, URL-safe (Step Functions tokens are opaque strings up to 1,024 characters).
fn new_token() -> String {
    use base64::Engine;
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).expect("the OS random source works");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

fn unavailable(e: ExecError) -> OrchestratorError {
    OrchestratorError::Unavailable(Box::new(e))
}

#[async_trait]
impl Orchestrator for Executor {
    async fn start(
        &self,
        machine: &str,
        name: &str,
        input: Value,
    ) -> Result<(), OrchestratorError> {
        match self.start_execution(machine, name, input).await {
            Ok(()) => Ok(()),
            Err(ExecError::AlreadyExists(n)) => Err(OrchestratorError::AlreadyExists(n)),
            Err(e) => Err(unavailable(e)),
        }
    }

    async fn complete(&self, token: &str, output: Value) -> Result<Completion, OrchestratorError> {
        self.send_task_success(token, output)
            .await
            .map_err(unavailable)
    }

    async fn fail(
        &self,
        token: &str,
        error: &str,
        cause: &str,
    ) -> Result<Completion, OrchestratorError> {
        self.send_task_failure(token, error, cause)
            .await
            .map_err(unavailable)
    }

    async fn redrive_failed(&self) -> Result<usize, OrchestratorError> {
        Executor::redrive_failed(self, perizinan::ports::orchestrator::REDRIVABLE_ERRORS)
            .await
            .map_err(unavailable)
    }

    fn completes_synchronously(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use perizinan::ports::clock::SystemClock;
    use std::collections::HashMap as Map;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn machine() -> Definition {
        let def = json!({
            "StartAt": "Intro",
            "States": {
                "Intro": {"Type": "Pass", "Result": "hello", "ResultPath": "$.greeting", "Next": "Wait"},
                "Wait": {"Type": "Task", "Resource": perizinan::asl::definition::INVOKE_WAIT,
                    "TimeoutSeconds": 60,
                    "Parameters": {"FunctionName": "${Fn}", "Payload": {"token.$": "$$.Task.Token", "id.$": "$.id"}},
                    "ResultPath": "$.decision", "Next": "Route",
                    "Catch": [{"ErrorEquals": ["States.Timeout"], "ResultPath": "$.error", "Next": "TimedOut"}]},
                "Route": {"Type": "Choice", "Choices": [
                    {"Variable": "$.decision.outcome", "StringEquals": "again", "Next": "Wait"},
                    {"Variable": "$.decision.outcome", "StringEquals": "done", "Next": "Notify"}],
                    "Default": "Bad"},
                "Notify": {"Type": "Task", "Resource": perizinan::asl::definition::INVOKE,
                    "TimeoutSeconds": 5,
                    "Parameters": {"FunctionName": "${Fn}", "Payload": {"notify": true}},
                    "Retry": [{"ErrorEquals": ["Transient"], "IntervalSeconds": 1, "MaxAttempts": 2}],
                    "ResultPath": null, "Next": "Done"},
                "Done": {"Type": "Succeed"},
                "TimedOut": {"Type": "Succeed"},
                "Bad": {"Type": "Fail", "Error": "UnknownOutcome"}
            }
        });
        Definition::load(
            &def.to_string(),
            &Map::from([("Fn".to_string(), "f".to_string())]),
        )
        .unwrap()
    }

    struct Harness {
        ex: Executor,
        tokens: Arc<Mutex<Vec<String>>>,
        notify_failures: Arc<AtomicUsize>,
        clock: Arc<SystemClock>,
    }

    fn harness(path: Option<&Path>) -> Harness {
        harness_with(path, machine())
    }

    fn harness_with(path: Option<&Path>, def: Definition) -> Harness {
        let clock = Arc::new(SystemClock::default());
        let ex = match path {
            Some(p) => {
                Executor::open(p, vec![("test".into(), def)], "test", clock.clone()).unwrap()
            }
            None => Executor::in_memory(vec![("test".into(), def)], clock.clone()).unwrap(),
        }
        .with_retry_time_scale(0.0);
        let tokens = Arc::new(Mutex::new(vec![]));
        let notify_failures = Arc::new(AtomicUsize::new(0));
        let (t, nf) = (tokens.clone(), notify_failures.clone());
        ex.register(
            "f",
            Arc::new(perizinan::ports::task::FnTask(move |p: Value| {
                let (t, nf) = (t.clone(), nf.clone());
                async move {
                    if let Some(tok) = p.get("token").and_then(Value::as_str) {
                        t.lock().unwrap().push(tok.to_string());
                        return Ok(json!({}));
                    }
                    if nf.load(Ordering::SeqCst) > 0 {
                        nf.fetch_sub(1, Ordering::SeqCst);
                        return Err(perizinan::ports::task::TaskError::transient("try again"));
                    }
                    Ok(json!({"sent": true}))
                }
            })),
        );
        Harness {
            ex,
            tokens,
            notify_failures,
            clock,
        }
    }

    fn last_token(h: &Harness) -> String {
        h.tokens.lock().unwrap().last().unwrap().clone()
    }

    #[tokio::test]
    async fn runs_to_the_end_through_a_loop_and_retries() {
        let h = harness(None);
        h.ex.start_execution("test", "e1", json!({"id": 7}))
            .await
            .unwrap();
        let d = h.ex.describe("e1").await.unwrap().unwrap();
        assert_eq!((d.state.as_str(), d.phase.as_str()), ("Wait", "waiting"));
        let t1 = last_token(&h);
        assert_eq!(
            h.ex.send_task_success(&t1, json!({"outcome": "again"}))
                .await
                .unwrap(),
            Completion::Delivered
        );
        // The used token is closed: a duplicate changes nothing.
        assert_eq!(
            h.ex.send_task_success(&t1, json!({"outcome": "done"}))
                .await
                .unwrap(),
            Completion::AlreadyClosed
        );
        let t2 = last_token(&h);
        assert_ne!(t1, t2);
        h.notify_failures.store(2, Ordering::SeqCst);
        h.ex.send_task_success(&t2, json!({"outcome": "done"}))
            .await
            .unwrap();
        let d = h.ex.describe("e1").await.unwrap().unwrap();
        assert_eq!(d.status, "SUCCEEDED");
        assert_eq!(
            d.output.unwrap(),
            json!({"id": 7, "greeting": "hello", "decision": {"outcome": "done"}})
        );
        let kinds: Vec<String> =
            h.ex.history("e1")
                .await
                .unwrap()
                .into_iter()
                .map(|e| e.kind)
                .collect();
        assert_eq!(kinds.iter().filter(|k| *k == "TaskRetried").count(), 2);
        assert_eq!(
            h.ex.send_task_success("no-such-token", json!({}))
                .await
                .unwrap(),
            Completion::AlreadyClosed
        );
    }

    #[tokio::test]
    async fn a_transient_failure_past_its_retries_is_redriven_from_the_failed_state() {
        let h = harness(None);
        h.ex.start_execution("test", "e1", json!({"id": 3}))
            .await
            .unwrap();
        // Notify retries twice (three tries): four failures exhaust them.
        h.notify_failures.store(4, Ordering::SeqCst);
        h.ex.send_task_success(&last_token(&h), json!({"outcome": "done"}))
            .await
            .unwrap();
        let d = h.ex.describe("e1").await.unwrap().unwrap();
        assert_eq!((d.status.as_str(), d.state.as_str()), ("FAILED", "Notify"));
        assert_eq!(d.error.as_deref(), Some("Transient"));
        // Only the listed errors are redriven.
        assert_eq!(h.ex.redrive_failed(&["Other"]).await.unwrap(), 0);
        // Redriven: the failed state runs again with its input (the one failure left is
        // retried) and the execution ends as if nothing had happened.
        assert_eq!(h.ex.redrive_failed(&["Transient"]).await.unwrap(), 1);
        let d = h.ex.describe("e1").await.unwrap().unwrap();
        assert_eq!(d.status, "SUCCEEDED");
        assert_eq!(
            d.output.unwrap(),
            json!({"id": 3, "greeting": "hello", "decision": {"outcome": "done"}})
        );
        assert_eq!(h.ex.redrive_failed(&["Transient"]).await.unwrap(), 0);
        let kinds: Vec<String> =
            h.ex.history("e1")
                .await
                .unwrap()
                .into_iter()
                .map(|e| e.kind)
                .collect();
        assert_eq!(
            kinds.iter().filter(|k| *k == "ExecutionRedriven").count(),
            1
        );
    }

    #[tokio::test]
    async fn start_is_idempotent_by_name() {
        let h = harness(None);
        h.ex.start_execution("test", "e1", json!({"id": 1}))
            .await
            .unwrap();
        h.ex.start_execution("test", "e1", json!({"id": 1}))
            .await
            .unwrap();
        assert_eq!(h.tokens.lock().unwrap().len(), 1);
        assert!(matches!(
            h.ex.start_execution("test", "e1", json!({"id": 2})).await,
            Err(ExecError::AlreadyExists(_))
        ));
        assert!(matches!(
            h.ex.start_execution("test", "bad name", json!({})).await,
            Err(ExecError::InvalidName(_))
        ));
    }

    #[tokio::test]
    async fn unknown_outcomes_fail_and_timeouts_are_caught() {
        let h = harness(None);
        h.ex.start_execution("test", "e1", json!({"id": 1}))
            .await
            .unwrap();
        h.ex.send_task_success(&last_token(&h), json!({"outcome": "weird"}))
            .await
            .unwrap();
        let d = h.ex.describe("e1").await.unwrap().unwrap();
        assert_eq!(
            (d.status.as_str(), d.error.as_deref()),
            ("FAILED", Some("UnknownOutcome"))
        );

        h.ex.start_execution("test", "e2", json!({"id": 2}))
            .await
            .unwrap();
        assert_eq!(h.ex.fire_timeouts().await.unwrap(), 0);
        h.clock.advance(chrono::Duration::seconds(61));
        assert_eq!(h.ex.fire_timeouts().await.unwrap(), 1);
        let d = h.ex.describe("e2").await.unwrap().unwrap();
        assert_eq!(
            (d.status.as_str(), d.state.as_str()),
            ("SUCCEEDED", "TimedOut")
        );
        assert_eq!(d.output.unwrap()["error"]["Error"], "States.Timeout");
    }

    /// `TimeoutSecondsPath` reads the wait's timeout from its input; a path that selects no
    /// positive integer fails the execution with `States.Runtime`, as on Step Functions. A
    /// SendTaskFailure's error is caught by name.
    #[tokio::test]
    async fn computed_timeouts_and_task_failures() {
        let def = json!({
            "StartAt": "Wait",
            "States": {
                "Wait": {"Type": "Task", "Resource": perizinan::asl::definition::INVOKE_WAIT,
                    "TimeoutSecondsPath": "$.clock.seconds",
                    "Parameters": {"FunctionName": "${Fn}", "Payload": {"token.$": "$$.Task.Token"}},
                    "ResultPath": "$.decision", "Next": "Done",
                    "Catch": [
                        {"ErrorEquals": ["Perizinan.DeemedGranted"], "ResultPath": "$.deemed", "Next": "Deemed"},
                        {"ErrorEquals": ["States.Timeout"], "ResultPath": "$.error", "Next": "TimedOut"}]},
                "Done": {"Type": "Succeed"},
                "Deemed": {"Type": "Succeed"},
                "TimedOut": {"Type": "Succeed"}
            }
        });
        let def = Definition::load(
            &def.to_string(),
            &Map::from([("Fn".to_string(), "f".to_string())]),
        )
        .unwrap();
        let h = harness_with(None, def);
        h.ex.start_execution("test", "e1", json!({"clock": {"seconds": 300}}))
            .await
            .unwrap();
        h.clock.advance(chrono::Duration::seconds(299));
        assert_eq!(h.ex.fire_timeouts().await.unwrap(), 0);
        h.clock.advance(chrono::Duration::seconds(2));
        assert_eq!(h.ex.fire_timeouts().await.unwrap(), 1);
        let d = h.ex.describe("e1").await.unwrap().unwrap();
        assert_eq!(
            (d.status.as_str(), d.state.as_str()),
            ("SUCCEEDED", "TimedOut")
        );
        let submitted: Vec<_> =
            h.ex.history("e1")
                .await
                .unwrap()
                .into_iter()
                .filter(|e| e.kind == "TaskSubmitted")
                .collect();
        assert_eq!(
            submitted[0].detail.as_ref().unwrap()["timeout_seconds"],
            300
        );

        for (name, input) in [
            ("e2", json!({"clock": {"seconds": "300"}})),
            ("e3", json!({})),
        ] {
            h.ex.start_execution("test", name, input).await.unwrap();
            let d = h.ex.describe(name).await.unwrap().unwrap();
            assert_eq!(
                (d.status.as_str(), d.error.as_deref()),
                ("FAILED", Some("States.Runtime")),
                "{name}"
            );
        }

        h.ex.start_execution("test", "e4", json!({"clock": {"seconds": 300}}))
            .await
            .unwrap();
        let r =
            h.ex.send_task_failure(&last_token(&h), "Perizinan.DeemedGranted", "stage lapsed")
                .await
                .unwrap();
        assert_eq!(r, Completion::Delivered);
        let d = h.ex.describe("e4").await.unwrap().unwrap();
        assert_eq!(
            (d.status.as_str(), d.state.as_str()),
            ("SUCCEEDED", "Deemed")
        );
        assert_eq!(
            d.output.unwrap()["deemed"]["Error"],
            "Perizinan.DeemedGranted"
        );
    }

    #[tokio::test]
    async fn a_restart_continues_from_the_stored_state() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("exec.sqlite");
        let token = {
            let h = harness(Some(&path));
            h.ex.start_execution("test", "e1", json!({"id": 3}))
                .await
                .unwrap();
            last_token(&h)
        };
        // A new executor on the same file (the old one is gone, as after a crash).
        let h = harness(Some(&path));
        assert_eq!(h.ex.recover().await.unwrap(), 0);
        h.ex.send_task_success(&token, json!({"outcome": "done"}))
            .await
            .unwrap();
        assert_eq!(
            h.ex.describe("e1").await.unwrap().unwrap().status,
            "SUCCEEDED"
        );
    }

    #[tokio::test]
    async fn a_store_from_before_machines_were_named_is_read_as_one_machine() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("exec.sqlite");
        let token = {
            let h = harness(Some(&path));
            h.ex.start_execution("test", "e1", json!({"id": 3}))
                .await
                .unwrap();
            last_token(&h)
        };
        // Release 0.1's table had no `machine` column.
        {
            let c = rusqlite::Connection::open(&path).unwrap();
            c.execute_batch("ALTER TABLE executions DROP COLUMN machine")
                .unwrap();
        }
        let h = harness(Some(&path));
        h.ex.send_task_success(&token, json!({"outcome": "done"}))
            .await
            .unwrap();
        assert_eq!(
            h.ex.describe("e1").await.unwrap().unwrap().status,
            "SUCCEEDED"
        );
        assert!(matches!(
            h.ex.start_execution("nope", "e2", json!({})).await,
            Err(ExecError::UnknownMachine(_))
        ));
    }

    #[tokio::test]
    async fn a_callback_whose_function_never_ran_is_reinvoked_on_recovery() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("exec.sqlite");
        {
            let h = harness(Some(&path));
            h.ex.start_execution("test", "e1", json!({"id": 3}))
                .await
                .unwrap();
            // Simulate a crash between recording the task and the function's answer.
            h.ex.inner
                .db
                .with(|c| c.execute("UPDATE tasks SET invoked = 0", []))
                .unwrap();
        }
        let h = harness(Some(&path));
        assert_eq!(h.ex.recover().await.unwrap(), 1);
        assert_eq!(
            h.tokens.lock().unwrap().len(),
            1,
            "function called again with the same token"
        );
        let tok = last_token(&h);
        h.ex.send_task_success(&tok, json!({"outcome": "done"}))
            .await
            .unwrap();
        assert_eq!(
            h.ex.describe("e1").await.unwrap().unwrap().status,
            "SUCCEEDED"
        );
    }
}
