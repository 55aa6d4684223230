// What the measure worker does with a job once it knows what happened: skip it, wait without
// using up an attempt, refuse it for good, retry it, or write the final record (and whether the
// archivers get it). Pure: no I/O, no BullMQ; measure-processor.ts does what this decides.
import { clipText } from '../jobs/job-data-bounds.js';
import { isBusyAnswer } from './busy-answer.js';
import { busyWaitDecision, type BusyWaitPolicy } from './busy-wait.js';
import type { ResultContent } from './read-result.js';

/** A tool's chatter kept in a "no result" record (it goes to every archiver, through Redis). */
const MAX_DIAGS_CHARS = 16 * 1024;
/** A result's own error quoted in the job's failedReason. */
const MAX_ERROR_CHARS = 1000;
/** How soon a job cut short by a shutdown is handed out again (to this worker's successor). */
export const SHUTDOWN_REDELAY_MS = 1000;

/** What the backend's run gave, as far as the decision needs to know. */
export type RunResult =
  /** It ran and its output (at most MAX_RESULT_BYTES) was read; `content` says what it holds. */
  | { readonly kind: 'read'; readonly content: ResultContent }
  /** It ran and wrote more than MAX_RESULT_BYTES (kept on disk as it is, never read). */
  | { readonly kind: 'oversized' }
  /** It did not complete: non-zero exit, timeout, cancel. */
  | { readonly kind: 'no-result'; readonly reason: string }
  /** The tool is not installed. */
  | { readonly kind: 'tool-missing'; readonly message: string };

/** The backend cannot measure this spec at all (e.g. clock without pScheduler). */
export interface Unsupported {
  readonly kind: 'unsupported';
  readonly reason: string;
}

/** This very attempt was measured already, by a run that lost the job lock (measured-marker.ts): what that run kept. */
export interface MeasuredBefore {
  readonly kind: 'measured-before';
  readonly succeeded: boolean;
  readonly archived: boolean;
  readonly failure: string | null;
}

/** The backend ran (or tried to). */
export interface Ran {
  readonly kind: 'ran';
  /** The worker's shutdown signal fired while it ran. */
  readonly aborted: boolean;
  readonly result: RunResult;
  /** The backend's name and the tool's chatter, for the record written when there is no result. */
  readonly backendName: string;
  readonly diags: string;
}

export type WhatHappened = Unsupported | MeasuredBefore | Ran;

export interface MeasureFacts<H extends WhatHappened = WhatHappened> {
  readonly happened: H;
  /** This attempt, from 1 (BullMQ's attemptsMade + 1). */
  readonly attempt: number;
  /** The job's attempts (BullMQ's opts.attempts, 1 when unset). */
  readonly maxAttempts: number;
  /** ARCHIVE_FAILED: whether a final failure is handed to the archivers. */
  readonly archiveFailed: boolean;
  /** Busy waits this job has had so far (busy-wait.ts). */
  readonly busyWaits: number;
  readonly busyWait: BusyWaitPolicy;
}

/** Not measured at all: return a skipped outcome; no attempt fails, nothing is kept. */
export interface SkipDecision {
  readonly kind: 'skip';
  readonly reason: string;
}

/**
 * Run it again after `delayMs` without using up an attempt (BullMQ counts none for a delayed job).
 * A shutdown is not the measurement's fault; a busy iperf3 server measured nothing (`busyWaits` is
 * this wait's number, stored in the job so that the bound holds across runs).
 */
export type WaitDecision =
  | { readonly kind: 'wait'; readonly cause: 'shutdown'; readonly delayMs: number }
  | { readonly kind: 'wait'; readonly cause: 'busy'; readonly delayMs: number; readonly busyWaits: number; readonly maxBusyWaits: number };

/** Fail the job for good, retrying cannot help: the tool is missing, or the same test would write as much again. */
export type RefuseDecision =
  | { readonly kind: 'refuse'; readonly cause: 'tool-missing'; readonly reason: string }
  /** Kept on disk as it is, not archived (its reason names the file, which only the processor knows). */
  | { readonly kind: 'refuse'; readonly cause: 'oversized' };

/** Fail this attempt so that BullMQ retries it; `failure` is the job's failedReason. */
export type RetryDecision = RetryNoResult | RetryFailed | RetryMeasuredBefore;
/** The run gave no result (`reason`): nothing to keep. */
export interface RetryNoResult {
  readonly kind: 'retry';
  readonly cause: 'no-result';
  readonly reason: string;
  readonly failure: string;
}
/** The result says it failed: keep it on disk first (not archived), so the disk shows every attempt. */
export interface RetryFailed {
  readonly kind: 'retry';
  readonly cause: 'failed';
  readonly failure: string;
  readonly raw: Record<string, unknown>;
  /** Set when this is iperf3's busy answer after the last allowed wait (logged as such). */
  readonly busyGaveUpAfter: number | null;
}
/** The earlier run of this attempt failed and kept its result already. */
export interface RetryMeasuredBefore {
  readonly kind: 'retry';
  readonly cause: 'measured-before';
  readonly failure: string;
}

/**
 * The job's last word: keep `raw` (what the tool wrote, or for a run without a result a record in
 * pScheduler's failure shape), hand it to the archivers when `archived`, fail the job unless `succeeded`.
 */
export interface RecordDecision {
  readonly kind: 'record';
  readonly succeeded: boolean;
  readonly archived: boolean;
  /** The job's failedReason; null when it succeeded. */
  readonly failure: string | null;
  readonly raw: Record<string, unknown>;
  readonly rawFrom: 'result' | 'no-result-record';
  /** Set when this is iperf3's busy answer after the last allowed wait (logged as such). */
  readonly busyGaveUpAfter: number | null;
}

/** End as the earlier run of this attempt did: its result, archived as it was, no new measurement. */
export interface ReuseDecision {
  readonly kind: 'reuse';
  readonly succeeded: boolean;
  readonly archived: boolean;
  /** The job's failedReason; null when it succeeded. */
  readonly failure: string | null;
}

export type MeasureDecision = SkipDecision | WaitDecision | RefuseDecision | RetryDecision | RecordDecision | ReuseDecision;
/** What can follow a run. */
export type RunDecision = WaitDecision | RefuseDecision | RetryNoResult | RetryFailed | RecordDecision;

export function decideMeasureOutcome(facts: MeasureFacts<Unsupported>): SkipDecision;
export function decideMeasureOutcome(facts: MeasureFacts<MeasuredBefore>): RetryMeasuredBefore | ReuseDecision;
export function decideMeasureOutcome(facts: MeasureFacts<Ran>): RunDecision;
export function decideMeasureOutcome(facts: MeasureFacts): MeasureDecision;
export function decideMeasureOutcome(facts: MeasureFacts): MeasureDecision {
  const { happened } = facts;
  const isFinalAttempt = facts.attempt >= facts.maxAttempts;
  switch (happened.kind) {
    case 'unsupported':
      return { kind: 'skip', reason: happened.reason };
    case 'measured-before': {
      // Ends as that run did: its failure is retried unless this is the last attempt, and what it
      // handed to the archivers (or not) is handed again (the archive job ids dedupe).
      if (happened.succeeded) return { kind: 'reuse', succeeded: true, archived: happened.archived, failure: null };
      const failure = happened.failure ?? 'measurement failed';
      if (!isFinalAttempt) return { kind: 'retry', cause: 'measured-before', failure };
      return { kind: 'reuse', succeeded: false, archived: happened.archived, failure };
    }
    case 'ran':
      return decideRun(happened, facts, isFinalAttempt);
  }
}

function decideRun(ran: Ran, facts: MeasureFacts, isFinalAttempt: boolean): RunDecision {
  // Checked first: whatever the run gave, it was cut short by the shutdown, so it must not use up an attempt.
  if (ran.aborted) return { kind: 'wait', cause: 'shutdown', delayMs: SHUTDOWN_REDELAY_MS };
  const result = ran.result;
  if (result.kind === 'tool-missing') return { kind: 'refuse', cause: 'tool-missing', reason: result.message };
  // Not retried: the same test would write as much again.
  if (result.kind === 'oversized') return { kind: 'refuse', cause: 'oversized' };
  const content: ResultContent = result.kind === 'read' ? result.content : { kind: 'no-result', reason: result.reason };

  if (content.kind === 'no-result') {
    const failure = `no result: ${content.reason}`;
    if (!isFinalAttempt) return { kind: 'retry', cause: 'no-result', reason: content.reason, failure };
    // The last attempt: keep a record anyway, in pScheduler's failure shape, so the gap is
    // visible on disk and to the archivers instead of silently missing.
    const raw = noResultRecord(failure, ran.backendName, ran.diags);
    return { kind: 'record', succeeded: false, archived: facts.archiveFailed, failure, raw, rawFrom: 'no-result-record', busyGaveUpAfter: null };
  }

  let busyGaveUpAfter: number | null = null;
  if (isBusyAnswer(content.raw)) {
    // Another client is testing against that iperf3 server: nothing was measured, so this is a
    // wait, not a failed attempt, up to a bound; past it, it is a failed result like any other.
    const busy = busyWaitDecision(facts.busyWaits, facts.busyWait);
    if (busy.wait) return { kind: 'wait', cause: 'busy', delayMs: busy.delayMs, busyWaits: busy.waitNumber, maxBusyWaits: facts.busyWait.maxWaits };
    busyGaveUpAfter = busy.waited;
  }
  if (content.succeeded) return { kind: 'record', succeeded: true, archived: true, failure: null, raw: content.raw, rawFrom: 'result', busyGaveUpAfter };
  const failure = `measurement failed: ${clipText(content.error ?? 'succeeded is false (no error given)', MAX_ERROR_CHARS)}`;
  if (!isFinalAttempt) return { kind: 'retry', cause: 'failed', failure, raw: content.raw, busyGaveUpAfter };
  return { kind: 'record', succeeded: false, archived: facts.archiveFailed, failure, raw: content.raw, rawFrom: 'result', busyGaveUpAfter };
}

/** The record kept (and archived) for a final attempt that gave no result: pScheduler's failure shape. */
function noResultRecord(failure: string, backendName: string, diags: string): Record<string, unknown> {
  return {
    schema: 1,
    succeeded: false,
    error: failure,
    diags: `written by perfsonar-queue: ${backendName} produced no result\n${clipText(diags, MAX_DIAGS_CHARS)}`,
  };
}
