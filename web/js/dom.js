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

const SVG_NS = 'http://www.w3.org/2000/svg';

// Returns a new SVG element TAG with ATTRS set as attributes and
// CHILDREN (elements or strings) appended, for charts drawn without
// markup strings.
export function svg(tag, attrs = {}, ...children) {
	const e = document.createElementNS(SVG_NS, tag);
	for (const [k, v] of Object.entries(attrs))
		if (k === 'class')
			e.setAttribute('class', v);
		else
			e.setAttribute(k, String(v));
	e.append(...children);
	return e;
}
