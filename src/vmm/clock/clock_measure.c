/* Recording guest clock samples and turning them into medians, percentiles and drift. */
#include "clock/clock_measure.h"
#include "core/log.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int clock_measure_init(struct clock_measure *m, size_t cap, uint64_t tsc_hz)
{
	memset(m, 0, sizeof(*m));
	m->tsc_hz = tsc_hz;
	m->cap = cap;
	m->cap_publish = cap * 4;
	m->cap_sync = cap;
	m->samples = calloc(m->cap, sizeof(*m->samples));
	m->publish_cycles = calloc(m->cap_publish, sizeof(*m->publish_cycles));
	m->bracket_cycles = calloc(m->cap_publish, sizeof(*m->bracket_cycles));
	m->sync_ns = calloc(m->cap_sync, sizeof(*m->sync_ns));
	if (!m->samples || !m->publish_cycles || !m->bracket_cycles || !m->sync_ns ||
	    pthread_mutex_init(&m->lock, NULL)) {
		free(m->samples);
		free(m->publish_cycles);
		free(m->bracket_cycles);
		free(m->sync_ns);
		pr_err("cannot allocate room for %zu clock samples", cap);
		return -ENOMEM;
	}
	return 0;
}

void clock_measure_destroy(struct clock_measure *m)
{
	free(m->samples);
	free(m->publish_cycles);
	free(m->bracket_cycles);
	free(m->sync_ns);
	pthread_mutex_destroy(&m->lock);
}

void clock_measure_add(struct clock_measure *m, const struct clock_sample *s)
{
	pthread_mutex_lock(&m->lock);
	if (m->nr < m->cap)
		m->samples[m->nr++] = *s;
	pthread_mutex_unlock(&m->lock);
}

/* On every entry of every vCPU while measuring: a slot claimed with one atomic add, no lock. */
static uint32_t clamp32(uint64_t v)
{
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

void clock_measure_add_publish(struct clock_measure *m, uint64_t cycles, uint64_t bracket)
{
	size_t i = __atomic_fetch_add(&m->nr_publish, 1, __ATOMIC_RELAXED);

	if (i < m->cap_publish) {
		m->publish_cycles[i] = clamp32(cycles > bracket ? cycles - bracket : 0);
		m->bracket_cycles[i] = clamp32(bracket);
	}
}

void clock_measure_add_sync(struct clock_measure *m, uint64_t ns)
{
	pthread_mutex_lock(&m->lock);
	if (m->nr_sync < m->cap_sync)
		m->sync_ns[m->nr_sync++] = ns > UINT32_MAX ? UINT32_MAX : (uint32_t)ns;
	pthread_mutex_unlock(&m->lock);
}

void clock_measure_add_reads(struct clock_measure *m, uint64_t cycles, uint64_t reads)
{
	pthread_mutex_lock(&m->lock);
	m->read_cycles += cycles;
	m->reads += reads;
	pthread_mutex_unlock(&m->lock);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Sort @v (n values) and return the q-quantile (nearest rank). */
static double quantile(double *v, size_t n, double q)
{
	size_t i;

	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	i = (size_t)ceil(q * (double)n);
	return v[i ? i - 1 : 0];
}

static double drift_ppm(const struct clock_sample *s, size_t n)
{
	long double sx = 0, sy = 0, sxx = 0, sxy = 0, den;

	for (size_t i = 0; i < n; i++) {
		long double x = (long double)(s[i].host_ns - s[0].host_ns), y = s[i].error_ns;

		sx += x, sy += y, sxx += x * x, sxy += x * y;
	}
	den = n * sxx - sx * sx;
	return n > 2 && den > 0 ? (double)((n * sxy - sx * sy) / den * 1e6L) : 0;
}

/* The mean of @v's values at or below @limit; 0 for none. */
static double mean_up_to(const double *v, size_t n, double limit)
{
	double sum = 0;
	size_t used = 0;

	for (size_t i = 0; i < n; i++)
		if (v[i] <= limit)
			sum += v[i], used++;
	return used ? sum / (double)used : 0;
}

/* The host's own costs: each entry's publish and each sync's wait (no guest samples needed). */
static void summarize_host_costs(const struct clock_measure *m, struct clock_summary *out,
				 double *v)
{
	size_t nr_publish = m->nr_publish < m->cap_publish ? m->nr_publish : m->cap_publish;

	for (size_t i = 0; i < nr_publish; i++)
		v[i] = (double)m->publish_cycles[i] * 1e9 / (double)m->tsc_hz;
	out->publish_ns_median = quantile(v, nr_publish, 0.5);
	out->publish_ns_p99 = quantile(v, nr_publish, 0.99);
	out->publish_ns_mean = mean_up_to(v, nr_publish, out->publish_ns_p99);
	for (size_t i = 0; i < nr_publish; i++)
		v[i] = (double)m->bracket_cycles[i] * 1e9 / (double)m->tsc_hz;
	out->bracket_ns_median = quantile(v, nr_publish, 0.5);
	out->syncs = m->nr_sync;
	for (size_t i = 0; i < m->nr_sync; i++)
		v[i] = (double)m->sync_ns[i];
	out->sync_ns_median = quantile(v, m->nr_sync, 0.5);
	out->sync_ns_max = quantile(v, m->nr_sync, 1.0);
}

/* The guest's readings: error against MONOTONIC, drift, backward steps, exit round trips. */
static void summarize_samples(const struct clock_measure *m, bool remove_offset,
			      struct clock_summary *out, double *v)
{
	size_t n = m->nr;
	uint64_t last[CLOCK_MEASURE_MAX_VCPUS] = { 0 };

	out->duration_s = (double)(m->samples[n - 1].host_ns - m->samples[0].host_ns) / 1e9;
	for (size_t i = 0; i < n; i++)
		v[i] = (double)m->samples[i].error_ns;
	out->offset_ns = remove_offset ? quantile(v, n, 0.5) : 0;
	for (size_t i = 0; i < n; i++) {
		const struct clock_sample *s = &m->samples[i];

		v[i] = fabs((double)s->error_ns - out->offset_ns);
		out->retries += s->retries;
		if (s->vcpu < CLOCK_MEASURE_MAX_VCPUS) {
			out->backward += s->guest_ns < last[s->vcpu];
			last[s->vcpu] = s->guest_ns;
		}
	}
	out->err_median_ns = quantile(v, n, 0.5);
	out->err_p99_ns = quantile(v, n, 0.99);
	out->err_max_ns = quantile(v, n, 1.0);
	out->drift_ppm = drift_ppm(m->samples, n);
	for (size_t i = 0; i < n; i++)
		v[i] = (double)m->samples[i].exit_cycles * 1e9 / (double)m->tsc_hz;
	out->exit_rt_ns_median = quantile(v, n, 0.5);
}

void clock_measure_summarize(struct clock_measure *m, bool remove_offset, struct clock_summary *out)
{
	size_t room = m->cap_publish > m->cap ? m->cap_publish : m->cap;
	double *v = calloc(room > m->cap_sync ? room : m->cap_sync, sizeof(double));

	memset(out, 0, sizeof(*out));
	out->samples = m->nr;
	if (!v)
		return;
	summarize_host_costs(m, out, v);
	if (m->nr)
		summarize_samples(m, remove_offset, out, v);
	if (m->reads) {
		out->read_cycles = (double)m->read_cycles / (double)m->reads;
		out->read_ns = out->read_cycles * 1e9 / (double)m->tsc_hz;
	}
	free(v);
}
