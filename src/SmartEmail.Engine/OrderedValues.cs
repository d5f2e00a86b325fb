using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;

namespace SmartEmail
{
    /// <summary>A read-only, ordered, case-insensitive name → value map ([Tokens]).</summary>
    public sealed class OrderedValues : IReadOnlyDictionary<string, string>, IDictionary
    {
        private readonly List<KeyValuePair<string, string>> _items = new List<KeyValuePair<string, string>>();
        private readonly Dictionary<string, string> _index = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

        internal bool TryAdd(string key, string value)
        {
            if (_index.ContainsKey(key))
                return false;
            _index.Add(key, value);
            _items.Add(new KeyValuePair<string, string>(key, value));
            return true;
        }

        /// <inheritdoc/>
        public string this[string key] => _index[key];
        /// <inheritdoc/>
        public IEnumerable<string> Keys => _items.Select(i => i.Key);
        /// <inheritdoc/>
        public IEnumerable<string> Values => _items.Select(i => i.Value);
        /// <inheritdoc/>
        public int Count => _items.Count;
        /// <inheritdoc/>
        public bool ContainsKey(string key) => _index.ContainsKey(key);
        /// <inheritdoc/>
        public bool TryGetValue(string key, out string value) => _index.TryGetValue(key, out value!);
        /// <inheritdoc/>
        public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => _items.GetEnumerator();
        IEnumerator IEnumerable.GetEnumerator() => ((IDictionary)this).GetEnumerator();

        // IDictionary, so PowerShell shows and indexes [Tokens] like a hashtable ($c.Tokens.ADMINEMAIL).
        object? IDictionary.this[object key]
        {
            get => key is string s && _index.TryGetValue(s, out var v) ? v : null;
            set => throw new NotSupportedException("[Tokens] is read-only here; edit the INI file.");
        }
        ICollection IDictionary.Keys => _items.Select(i => i.Key).ToList();
        ICollection IDictionary.Values => _items.Select(i => i.Value).ToList();
        bool IDictionary.IsReadOnly => true;
        bool IDictionary.IsFixedSize => true;
        bool ICollection.IsSynchronized => false;
        object ICollection.SyncRoot => _items;
        void IDictionary.Add(object key, object? value) => throw new NotSupportedException();
        void IDictionary.Clear() => throw new NotSupportedException();
        bool IDictionary.Contains(object key) => key is string s && _index.ContainsKey(s);
        void IDictionary.Remove(object key) => throw new NotSupportedException();
        void ICollection.CopyTo(Array array, int index) => ((ICollection)_items.Select(i => new DictionaryEntry(i.Key, i.Value)).ToArray()).CopyTo(array, index);
        IDictionaryEnumerator IDictionary.GetEnumerator() => new EntryEnumerator(_items);

        /// <summary>
        /// The non-generic enumerator: its Current is a DictionaryEntry, as IDictionary promises. ConvertTo-Json, Export-Clixml
        /// and Format-* cast each item to DictionaryEntry; a KeyValuePair (what Dictionary's public enumerator yields) fails.
        /// </summary>
        private sealed class EntryEnumerator : IDictionaryEnumerator
        {
            private readonly List<KeyValuePair<string, string>> _items;
            private int _index = -1;

            public EntryEnumerator(List<KeyValuePair<string, string>> items) => _items = items;

            public DictionaryEntry Entry => _index >= 0 && _index < _items.Count
                ? new DictionaryEntry(_items[_index].Key, _items[_index].Value)
                : throw new InvalidOperationException("The enumerator is not on an item.");
            public object Key => Entry.Key;
            public object? Value => Entry.Value;
            public object Current => Entry;
            public bool MoveNext() => ++_index < _items.Count;
            public void Reset() => _index = -1;
        }
    }
}
