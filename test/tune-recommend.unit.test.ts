import { describe, expect, it } from 'vitest';
import { recommend, type MeasuredConfiguration } from '../harness/tune/recommend.js';
import { nextStep } from '../harness/tune/steps.js';
import { clientLadder, parseWorkerSizes, stopGrowing } from '../harness/tune/sizes.js';
import { parseSlo } from '../harness/tune/slo.js';
import { row } from './support/results.js';

const slo = parseSlo('p99<200ms');
const criteria = { slo, budgetMb: null, tolerance: 0.05 };

function config(server: string, workers: number, rps: number | null, pssMb: number, threads?: number): MeasuredConfiguration {
  const label = `${server} ×${workers}${threads ? ` (${threads} threads)` : ''}`;
  return {
    deployment: label,
    server,
    workers,
    ...(threads !== undefined && { threads }),
    proxy: 'none',
    size: workers * (threads ?? 1),
    throughputAtSloRps: rps,
    atLoad: rps === null ? null : 8,
    latencyMs: rps === null ? 450 : 120,
    peakPssMb: pssMb,
    peakRssMb: pssMb * 3,
    stoppedBy: 'flat',
  };
}

describe('the recommendation', () => {
  it('picks the smallest configuration within 5% of the best throughput under the SLO', () => {
    const verdict = recommend(
      [config('gunicorn-sync', 2, 160, 40), config('gunicorn-sync', 4, 305, 60), config('gunicorn-sync', 8, 318, 100), config('gunicorn-sync', 16, 316, 180)],
      criteria,
    );
    expect(verdict.recommended).toBe('gunicorn-sync ×4');
    expect(verdict.bestRps).toBe(318);
    expect(verdict.reason).toMatch(/gunicorn-sync ×4: 305\.0 req\/s within p99<200ms .*within 5% of the best \(318\.0, gunicorn-sync ×8\) with half the workers; 60 MB PSS/);
    expect(verdict.ranked.map((c) => c.deployment)).toEqual(['gunicorn-sync ×8', 'gunicorn-sync ×16', 'gunicorn-sync ×4', 'gunicorn-sync ×2']);
    expect(verdict.ranked.find((c) => c.knee)?.deployment).toBe('gunicorn-sync ×4');
  });

  it('counts workers times threads, and breaks a tie in size by memory', () => {
    const verdict = recommend(
      [config('gunicorn-sync', 4, 300, 70), config('gunicorn-gthread', 1, 298, 30, 4), config('gunicorn-gthread', 2, 310, 45, 4)],
      criteria,
    );
    expect(verdict.recommended).toBe('gunicorn-gthread ×1 (4 threads)');
    expect(verdict.reason).toMatch(/with half the workers × threads; 30 MB PSS/);
  });

  it('leaves out a configuration over the memory budget and says what it would have served', () => {
    const verdict = recommend([config('node-prefork', 4, 200, 50), config('node-prefork', 8, 400, 120)], { ...criteria, budgetMb: 100 });
    expect(verdict.recommended).toBe('node-prefork ×4');
    expect(verdict.ranked.map((c) => c.withinBudget)).toEqual([false, true]);
    expect(verdict.reason).toMatch(/node-prefork ×8 served more \(400\.0\) but needs 120 MB PSS, over the 100 MB budget/);
  });

  it('falls back to RSS where PSS could not be read', () => {
    const rssOnly = { ...config('node-prefork', 4, 200, 50), peakPssMb: null };
    const verdict = recommend([rssOnly], { ...criteria, budgetMb: 100 });
    expect(verdict.recommended).toBeNull();
    expect(verdict.reason).toMatch(/none within the 100 MB budget.*needs 150 MB RSS/);
  });

  it('recommends nothing, and says why, when no configuration meets the SLO', () => {
    const verdict = recommend([config('node-blocking', 1, null, 20), config('node-prefork', 2, null, 40)], criteria);
    expect(verdict.recommended).toBeNull();
    expect(verdict.bestRps).toBeNull();
    expect(verdict.reason).toMatch(/no configuration met p99<200ms.*the lowest p99 was 450 ms/);
  });
});

describe('stepping and growing', () => {
  const ladder = clientLadder(256);
  const at = (concurrency: number, throughputRps: number, p99: number) => row({ deployment: 'd ×2', concurrency, throughputRps, p99 });

  it('doubles the clients from 1 up to the cap', () => {
    expect(clientLadder(256)).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256]);
    expect(clientLadder(12)).toEqual([1, 2, 4, 8, 12]);
    expect(nextStep([], slo, ladder)).toEqual({ next: 1 });
    expect(nextStep([at(1, 20, 55), at(2, 40, 55)], slo, ladder)).toEqual({ next: 4 });
  });

  it('stops at the first level that misses the SLO, or fails a request', () => {
    expect(nextStep([at(1, 20, 55), at(2, 40, 250)], slo, ladder)).toEqual({ stop: 'slo' });
    expect(nextStep([{ ...at(1, 20, 55), errors: 1 }], slo, ladder)).toEqual({ stop: 'slo' });
  });

  it('stops once doubling the clients gains under 5% while latency rises', () => {
    expect(nextStep([at(2, 40, 55), at(4, 41, 110)], slo, ladder)).toEqual({ stop: 'flat' });
    expect(nextStep([at(128, 40, 55), at(256, 80, 55)], slo, ladder)).toEqual({ stop: 'cap' });
  });

  it('stops growing a pool after two successive sizes that gain under 5% over the best before them', () => {
    expect(stopGrowing([100, 200, 204])).toBe(false);
    expect(stopGrowing([100, 200, 204, 206])).toBe(true);
    expect(stopGrowing([100, 200, 180, 205])).toBe(true);
    expect(stopGrowing([100, 200, 180, 240])).toBe(false);
    expect(stopGrowing([null, null, null])).toBe(true);
  });

  it('reads --workers as a list or as a range that doubles and ends at its end', () => {
    expect(parseWorkerSizes('1..16')).toEqual([1, 2, 4, 8, 16]);
    expect(parseWorkerSizes('1..12')).toEqual([1, 2, 4, 8, 12]);
    expect(parseWorkerSizes('8,1,2')).toEqual([1, 2, 8]);
    expect(() => parseWorkerSizes('0')).toThrow(/from 1 to 256/);
    expect(() => parseWorkerSizes('4..2')).toThrow(/range/);
  });

  it('reads --slo as a percentile and a bound in ms or s', () => {
    expect(parseSlo('p99<200ms')).toEqual({ percentile: 'p99', maxMs: 200 });
    expect(parseSlo('p99.9<=1.5s')).toEqual({ percentile: 'p999', maxMs: 1500 });
    expect(() => parseSlo('p98<200ms')).toThrow(/e\.g\. p99<200ms/);
    expect(() => parseSlo('p99<200')).toThrow(/units/);
  });
});
