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
	m->samples = calloc(m->cap, sizeof(*m->samples));
	m->publish_cycles = calloc(m->cap_publish, sizeof(*m->publish_cycles));
	if (!m->samples || !m->publish_cycles || pthread_mutex_init(&m->lock, NULL)) {
		free(m->samples);
		free(m->publish_cycles);
		pr_err("cannot allocate room for %zu clock samples", cap);
		return -ENOMEM;
	}
	return 0;
}

void clock_measure_destroy(struct clock_measure *m)
{
	free(m->samples);
	free(m->publish_cycles);
	pthread_mutex_destroy(&m->lock);
}

void clock_measure_add(struct clock_measure *m, const struct clock_sample *s)
{
	pthread_mutex_lock(&m->lock);
	if (m->nr < m->cap)
		m->samples[m->nr++] = *s;
	pthread_mutex_unlock(&m->lock);
}

void clock_measure_add_publish(struct clock_measure *m, uint64_t cycles)
{
	pthread_mutex_lock(&m->lock);
	if (m->nr_publish < m->cap_publish)
		m->publish_cycles[m->nr_publish++] = cycles > UINT32_MAX ? UINT32_MAX : cycles;
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

void clock_measure_summarize(struct clock_measure *m, bool remove_offset, struct clock_summary *out)
{
	size_t n = m->nr;
	double *v = calloc(n + m->nr_publish + 1, sizeof(double));
	uint64_t last[64] = { 0 };

	memset(out, 0, sizeof(*out));
	out->samples = n;
	if (!v || !n) {
		free(v);
		return;
	}
	out->duration_s = (double)(m->samples[n - 1].host_ns - m->samples[0].host_ns) / 1e9;
	for (size_t i = 0; i < n; i++)
		v[i] = (double)m->samples[i].error_ns;
	out->offset_ns = remove_offset ? quantile(v, n, 0.5) : 0;
	for (size_t i = 0; i < n; i++) {
		const struct clock_sample *s = &m->samples[i];

		v[i] = fabs((double)s->error_ns - out->offset_ns);
		out->retries += s->retries;
		if (s->vcpu < 64) {
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
	for (size_t i = 0; i < m->nr_publish; i++)
		v[i] = (double)m->publish_cycles[i] * 1e9 / (double)m->tsc_hz;
	out->publish_ns_median = quantile(v, m->nr_publish, 0.5);
	if (m->reads) {
		out->read_cycles = (double)m->read_cycles / (double)m->reads;
		out->read_ns = out->read_cycles * 1e9 / (double)m->tsc_hz;
	}
	free(v);
}
