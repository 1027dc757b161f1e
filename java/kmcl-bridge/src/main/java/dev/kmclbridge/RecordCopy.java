package dev.kmclbridge;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Copies a record into another record type of the same shape. The SPI carries its own plain records
 * ({@code ChannelSettings}, {@code BackendDescription}, {@code EndpointRecord}) so that it depends on nothing above
 * it, and the typed API has twins with the same component names ({@link ChannelConfig}, {@link BackendInfo},
 * {@link Endpoint}); this is the one conversion between them, instead of a field-by-field copy per pair and
 * direction. Each target component takes the source component of the same name; a component that is a record, or
 * an Optional of one, is copied to the target component's type the same way. The target's canonical constructor
 * runs, so its checks apply (and its exceptions are thrown as they are).
 */
final class RecordCopy {
    private RecordCopy() {
    }

    /**
     * {@code source} as a {@code target}; target components the source does not have take {@code extra}, in order.
     */
    static <T extends Record> T copy(Record source, Class<T> target, Object... extra) {
        Map<String, Object> values = new HashMap<>();
        for (RecordComponent c : source.getClass().getRecordComponents()) {
            values.put(c.getName(), invoke(() -> c.getAccessor().invoke(source)));
        }
        RecordComponent[] components = target.getRecordComponents();
        Object[] args = new Object[components.length];
        int nextExtra = 0;
        for (int i = 0; i < components.length; i++) {
            RecordComponent c = components[i];
            if (values.containsKey(c.getName())) {
                args[i] = convert(values.get(c.getName()), c.getGenericType());
            } else if (nextExtra < extra.length) {
                args[i] = extra[nextExtra++];
            } else {
                throw new IllegalArgumentException(source.getClass().getSimpleName() + " has no " + c.getName()
                        + " for " + target.getSimpleName() + " and no extra value was given");
            }
        }
        if (nextExtra != extra.length) {
            throw new IllegalArgumentException((extra.length - nextExtra) + " extra values left over for " + target.getSimpleName());
        }
        Class<?>[] types = Arrays.stream(components).map(RecordComponent::getType).toArray(Class<?>[]::new);
        Constructor<T> canonical = invoke(() -> target.getDeclaredConstructor(types));
        return invoke(() -> canonical.newInstance(args));
    }

    private static Object convert(Object value, Type targetType) {
        if (value instanceof Record r && targetType instanceof Class<?> c && c.isRecord() && c != r.getClass()) {
            return copy(r, c.asSubclass(Record.class));
        }
        if (value instanceof Optional<?> o && targetType instanceof ParameterizedType p && p.getRawType() == Optional.class) {
            Type element = p.getActualTypeArguments()[0];
            return o.map(v -> convert(v, element));
        }
        return value;
    }

    private interface Reflective<V> {
        V run() throws ReflectiveOperationException;
    }

    /** Runs a reflective call; what a constructor or accessor throws is rethrown unchanged. */
    private static <V> V invoke(Reflective<V> call) {
        try {
            return call.run();
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot copy records: " + e, e);
        }
    }
}
