// SPDX-License-Identifier: MIT
/* The backend's bypass policy: parse it once, ask it per pair. */
#include <nc2/error.h>
#include <nc2/policy.h>

/* Xen's DOMID_FIRST_RESERVED: ids from here on name no guest. */
#define NC2_DOMID_RESERVED 0x7FF0u

void nc2_policy_none(struct nc2_policy *p)
{
	nc2_memset(p, 0, sizeof(*p));
	p->mode = NC2_POLICY_NONE;
}

static bool nc2_policy_word(const char *w, size_t n, const char *lit)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (lit[i] == '\0' || w[i] != lit[i])
			return false;
	return lit[n] == '\0';
}

static bool nc2_policy_sep(char c)
{
	return c == ' ' || c == ',' || c == '\t';
}

int nc2_policy_parse(struct nc2_policy *p, const char *s, size_t len)
{
	struct nc2_policy q;
	bool named = false;
	size_t i = 0;

	nc2_policy_none(p);
	if (len && (s[len - 1] == '\0' || s[len - 1] == '\n'))
		len--;
	if (len > NC2_POLICY_MAX_TEXT)
		return -NC2_E_INVAL;
	nc2_policy_none(&q);
	while (i < len) {
		size_t start, n;
		uint32_t v = 0;

		if (nc2_policy_sep(s[i])) {
			i++;
			continue;
		}
		start = i;
		while (i < len && !nc2_policy_sep(s[i]))
			i++;
		n = i - start;
		if (nc2_policy_word(s + start, n, "any") ||
		    nc2_policy_word(s + start, n, "none")) {
			if (named || q.nr)
				return -NC2_E_INVAL;
			named = true;
			q.mode = s[start] == 'a' ? NC2_POLICY_ANY :
						   NC2_POLICY_NONE;
			continue;
		}
		if (named || n > 5 || q.nr == NC2_POLICY_MAX_PEERS)
			return -NC2_E_INVAL;
		for (; start < i; start++) {
			if (s[start] < '0' || s[start] > '9')
				return -NC2_E_INVAL;
			v = v * 10 + (uint32_t)(s[start] - '0');
		}
		if (v >= NC2_DOMID_RESERVED)
			return -NC2_E_INVAL;
		q.mode = NC2_POLICY_LIST;
		q.peer[q.nr++] = (uint16_t)v;
	}
	if (!named && !q.nr)
		return -NC2_E_INVAL;
	*p = q;
	return 0;
}

bool nc2_policy_allows(const struct nc2_policy *p, uint16_t peer)
{
	unsigned int i;

	if (p->mode == NC2_POLICY_ANY)
		return true;
	if (p->mode != NC2_POLICY_LIST)
		return false;
	for (i = 0; i < p->nr && i < NC2_POLICY_MAX_PEERS; i++)
		if (p->peer[i] == peer)
			return true;
	return false;
}

bool nc2_policy_pair_allowed(const struct nc2_policy *pa, uint16_t a,
			     const struct nc2_policy *pb, uint16_t b)
{
	return a != b && nc2_policy_allows(pa, b) && nc2_policy_allows(pb, a);
}
