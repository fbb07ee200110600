/*
 * Telling Chinese text from English, shared by the widget and the console.
 *
 * Why it exists: articles come in both languages and neither page is told
 * which a title or a message is in; Han characters decide, as on the server.
 */

/** True when `text` holds a Han character (CJK unified ideographs). */
export const hasHan = (text) => /[\u3400-\u9fff]/.test(text || '');
