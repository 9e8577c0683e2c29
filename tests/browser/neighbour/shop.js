// The page's own ES module, which its config gives both interpreters as pyscript.js_modules.shop.
export const greeting = "hello from the page's own module";
export default 42;
