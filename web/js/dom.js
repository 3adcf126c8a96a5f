// dom.js: building the DOM without markup strings.
//
// Screens build their elements with el() so that text from the server is
// only ever set as textContent, never parsed as HTML (STYLE.md 24), and
// nothing needs an inline style or handler that the CSP would refuse.

// Returns a new TAG element.  PROPS: "class" sets className, "text" sets
// textContent, "hidden" (a boolean) sets hidden, every other key is set as
// an attribute; CHILDREN (elements or strings, which become text) are
// appended in order.
export function el(tag, props = {}, ...children) {
	const e = document.createElement(tag);
	for (const [k, v] of Object.entries(props)) {
		if (k === 'class')
			e.className = v;
		else if (k === 'text')
			e.textContent = v;
		else if (k === 'hidden')
			e.hidden = Boolean(v);
		else
			e.setAttribute(k, v);
	}
	e.append(...children);
	return e;
}
