/*
 * Type table and objects: inheritance, class_size and instance_size
 * inheritance, lazy class construction, init/finalize order, casts,
 * interfaces, reference counts and the composition tree.
 *
 * SPDX-License-Identifier: MIT
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <cardcage/cardcage.h>
#include "qom/type-internal.h"

#define TYPE_ANIMAL  "test-animal"
#define TYPE_DOG     "test-dog"
#define TYPE_PUPPY   "test-puppy"
#define TYPE_CAT     "test-cat"
#define TYPE_SPEAKER "test-speaker"
#define TYPE_LOUD    "test-loud-speaker"

typedef struct Animal {
    Object parent_obj;
    int legs;
    char log[64];           /* order of init calls */
} Animal;

typedef struct AnimalClass {
    ObjectClass parent_class;
    const char *(*sound)(Animal *a);
    int class_inits;        /* how many class_inits touched this class */
    int base_inits;
} AnimalClass;

typedef struct Dog {
    Animal parent_obj;
    int tricks;
} Dog;

typedef struct DogClass {
    AnimalClass parent_class;
    int bark_volume;
} DogClass;

typedef struct SpeakerClass {
    InterfaceClass parent_class;
    int (*volume)(Object *obj);
} SpeakerClass;

static char finalize_log[64];
static int animal_class_init_calls;

static void log_append(char *log, char c)
{
    size_t n = strlen(log);
    if (n + 1 < 64) {
        log[n] = c;
        log[n + 1] = '\0';
    }
}

static const char *animal_sound(Animal *a)
{
    return "...";
}

static const char *dog_sound(Animal *a)
{
    return "woof";
}

static int dog_volume(Object *obj)
{
    return 11;
}

static int puppy_volume(Object *obj)
{
    return 3;
}

static void animal_class_init(ObjectClass *k, void *data)
{
    AnimalClass *ac = (AnimalClass *)k;
    ac->sound = animal_sound;
    ac->class_inits++;
    animal_class_init_calls++;
}

static void animal_class_base_init(ObjectClass *k, void *data)
{
    ((AnimalClass *)k)->base_inits++;
}

static void dog_class_init(ObjectClass *k, void *data)
{
    AnimalClass *ac = (AnimalClass *)k;
    ac->sound = dog_sound;
    ac->class_inits++;
    ((DogClass *)k)->bark_volume = *(int *)data;
    SpeakerClass *sc = (SpeakerClass *)object_class_dynamic_cast(k, TYPE_SPEAKER);
    assert_non_null(sc);
    sc->volume = dog_volume;
}

static void puppy_class_init(ObjectClass *k, void *data)
{
    ((AnimalClass *)k)->class_inits++;
    SpeakerClass *sc = (SpeakerClass *)object_class_dynamic_cast(k, TYPE_SPEAKER);
    sc->volume = puppy_volume;
}

static void animal_init(Object *obj)
{
    Animal *a = (Animal *)obj;
    a->legs = 4;
    log_append(a->log, 'A');
}

static void dog_init(Object *obj)
{
    log_append(((Animal *)obj)->log, 'D');
}

static void puppy_init(Object *obj)
{
    log_append(((Animal *)obj)->log, 'P');
}

static void dog_post_init(Object *obj)
{
    log_append(((Animal *)obj)->log, 'd');
}

static void animal_finalize(Object *obj)
{
    log_append(finalize_log, 'A');
}

static void dog_finalize(Object *obj)
{
    log_append(finalize_log, 'D');
}

static void puppy_finalize(Object *obj)
{
    log_append(finalize_log, 'P');
}

static int dog_bark_volume = 7;

static const InterfaceInfo dog_interfaces[] = { { TYPE_SPEAKER }, { NULL } };

static const TypeInfo test_types[] = {
    /* Registered child-first on purpose: parents resolve by name later. */
    {
        .name = TYPE_PUPPY,
        .parent = TYPE_DOG,
        .instance_init = puppy_init,
        .instance_finalize = puppy_finalize,
        .class_init = puppy_class_init,
    }, {
        .name = TYPE_DOG,
        .parent = TYPE_ANIMAL,
        .instance_size = sizeof(Dog),
        .instance_init = dog_init,
        .instance_post_init = dog_post_init,
        .instance_finalize = dog_finalize,
        .class_size = sizeof(DogClass),
        .class_init = dog_class_init,
        .class_data = &dog_bark_volume,
        .interfaces = dog_interfaces,
    }, {
        .name = TYPE_ANIMAL,
        .parent = TYPE_OBJECT,
        .instance_size = sizeof(Animal),
        .instance_init = animal_init,
        .instance_finalize = animal_finalize,
        .abstract = true,
        .class_size = sizeof(AnimalClass),
        .class_init = animal_class_init,
        .class_base_init = animal_class_base_init,
    }, {
        .name = TYPE_CAT,
        .parent = TYPE_ANIMAL,
    }, {
        .name = TYPE_SPEAKER,
        .parent = TYPE_INTERFACE,
        .class_size = sizeof(SpeakerClass),
    }, {
        .name = TYPE_LOUD,
        .parent = TYPE_SPEAKER,
    },
};

static int setup(void **state)
{
    module_call_init(MODULE_INIT_QOM);
    type_register_static_array(test_types, CC_ARRAY_SIZE(test_types));
    return 0;
}

static void test_lazy_class_construction(void **state)
{
    /* Registration alone runs no class_init. */
    assert_int_equal(animal_class_init_calls, 0);
    ObjectClass *puppy = object_class_by_name(TYPE_PUPPY);
    assert_non_null(puppy);
    /* Building the puppy built dog and animal, each class_init once. */
    assert_int_equal(animal_class_init_calls, 1);
    assert_int_equal(((AnimalClass *)object_class_by_name(TYPE_ANIMAL))->class_inits, 1);
    /* The dog class copied animal's (1) and ran its own (2); puppy copied
     * dog's and ran its own (3). */
    assert_int_equal(((AnimalClass *)object_class_by_name(TYPE_DOG))->class_inits, 2);
    assert_int_equal(((AnimalClass *)puppy)->class_inits, 3);
    /* class_base_init runs for the class itself and, on their copies, for
     * every subclass. */
    assert_int_equal(((AnimalClass *)object_class_by_name(TYPE_ANIMAL))->base_inits, 1);
    assert_int_equal(((AnimalClass *)puppy)->base_inits, 3);
    assert_null(object_class_by_name("no-such-type"));
}

static void test_class_and_instance_size_inheritance(void **state)
{
    DogClass *puppy = (DogClass *)object_class_by_name(TYPE_PUPPY);
    /* The puppy declared no class_size: it has DogClass's layout, with the
     * field the dog's class_init set from class_data. */
    assert_int_equal(puppy->bark_volume, 7);
    assert_ptr_equal(((AnimalClass *)puppy)->sound, dog_sound);
    Object *p = object_new(TYPE_PUPPY);
    ((Dog *)p)->tricks = 5;     /* within Dog's instance_size */
    assert_int_equal(((Animal *)p)->legs, 4);
    object_unref(p);
    /* The cat declares neither size: an Animal with AnimalClass. */
    AnimalClass *cat = (AnimalClass *)object_class_by_name(TYPE_CAT);
    assert_ptr_equal(cat->sound, animal_sound);
}

static void test_init_and_finalize_order(void **state)
{
    Object *p = object_new(TYPE_PUPPY);
    /* instance_init parents first, then post_init parents first. */
    assert_string_equal(((Animal *)p)->log, "ADPd");
    finalize_log[0] = '\0';
    object_unref(p);
    /* finalize children first. */
    assert_string_equal(finalize_log, "PDA");
}

static void test_abstract_and_unknown_types(void **state)
{
    Error *err = NULL;
    assert_null(object_new_checked(TYPE_ANIMAL, &err));
    assert_string_equal(error_get_pretty(err),
                        "type 'test-animal' is abstract and cannot be instantiated");
    error_free(err);
    err = NULL;
    assert_null(object_new_checked(TYPE_SPEAKER, &err));
    assert_string_equal(error_get_pretty(err),
                        "type 'test-speaker' is abstract and cannot be instantiated");
    error_free(err);
    err = NULL;
    assert_null(object_new_checked("unicorn", &err));
    assert_string_equal(error_get_pretty(err), "unknown type 'unicorn'");
    error_free(err);
}

static void test_duplicate_registration(void **state)
{
    static const TypeInfo dup = { .name = TYPE_DOG, .parent = TYPE_OBJECT };
    Error *err = NULL;
    assert_null(type_register_checked(&dup, &err));
    assert_string_equal(error_get_pretty(err),
                        "type 'test-dog' is already registered by the core");
    error_free(err);
    static const TypeInfo noparent = { .name = "orphan-type" };
    err = NULL;
    assert_null(type_register_checked(&noparent, &err));
    assert_string_equal(error_get_pretty(err), "type 'orphan-type' has no parent type");
    error_free(err);
}

static void test_casts(void **state)
{
    Object *d = object_new(TYPE_DOG);
    assert_ptr_equal(object_dynamic_cast(d, TYPE_ANIMAL), d);
    assert_ptr_equal(object_dynamic_cast(d, TYPE_OBJECT), d);
    assert_ptr_equal(object_dynamic_cast(d, TYPE_DOG), d);
    assert_null(object_dynamic_cast(d, TYPE_PUPPY));
    assert_null(object_dynamic_cast(d, TYPE_CAT));
    assert_null(object_dynamic_cast(d, "no-such-type"));
    assert_ptr_equal(OBJECT_CHECK(Animal, d, TYPE_ANIMAL), d);
    object_unref(d);
}

/* A failed checked cast aborts with a message naming both types: run it
 * in a child process and read what it printed. */
static void test_checked_cast_failure_message(void **state)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(fds[1], 2);
        Object *c = object_new(TYPE_CAT);
        OBJECT_CHECK(Dog, c, TYPE_DOG);
        _exit(0);
    }
    close(fds[1]);
    char buf[512] = { 0 };
    size_t got = 0;
    ssize_t n;
    while (got < sizeof(buf) - 1 && (n = read(fds[0], buf + got, sizeof(buf) - 1 - got)) > 0) {
        got += n;
    }
    close(fds[0]);
    int status;
    waitpid(pid, &status, 0);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGABRT);
    assert_non_null(strstr(buf, "object of type 'test-cat' is not an instance of 'test-dog'"));
}

static void test_interfaces(void **state)
{
    Object *d = object_new(TYPE_DOG);
    Object *p = object_new(TYPE_PUPPY);
    Object *c = object_new(TYPE_CAT);
    /* The object cast to an interface returns the object itself. */
    assert_ptr_equal(object_dynamic_cast(d, TYPE_SPEAKER), d);
    assert_ptr_equal(object_dynamic_cast(d, TYPE_INTERFACE), d);
    assert_null(object_dynamic_cast(c, TYPE_SPEAKER));
    /* A sub-interface is not implemented by implementing its parent. */
    assert_null(object_dynamic_cast(d, TYPE_LOUD));
    /* The class cast returns the interface class of that concrete class. */
    SpeakerClass *ds = (SpeakerClass *)object_class_dynamic_cast(object_get_class(d),
                                                                 TYPE_SPEAKER);
    SpeakerClass *ps = (SpeakerClass *)object_class_dynamic_cast(object_get_class(p),
                                                                 TYPE_SPEAKER);
    assert_non_null(ds);
    assert_non_null(ps);
    assert_ptr_not_equal(ds, ps);
    assert_ptr_equal(ds->parent_class.concrete_class, object_get_class(d));
    /* The puppy inherited the interface and overrode the method without
     * changing the dog's. */
    assert_int_equal(ps->volume(p), 3);
    assert_int_equal(ds->volume(d), 11);
    /* Listing the concrete implementers of an interface. */
    GSList *list = object_class_get_list(TYPE_SPEAKER, false);
    assert_int_equal(g_slist_length(list), 2);
    g_slist_free(list);
    object_unref(d);
    object_unref(p);
    object_unref(c);
}

static void test_reference_counts(void **state)
{
    finalize_log[0] = '\0';
    Object *d = object_new(TYPE_DOG);
    assert_int_equal(d->ref, 1);
    object_ref(d);
    assert_int_equal(d->ref, 2);
    object_unref(d);
    assert_string_equal(finalize_log, "");
    object_unref(d);
    assert_string_equal(finalize_log, "DA");
}

static void test_composition_tree(void **state)
{
    Object *root = object_get_root();
    Object *isa = container_get(root, "/machine/isa");
    assert_non_null(isa);
    Object *d = object_new(TYPE_DOG);
    Error *err = NULL;
    assert_true(object_property_add_child(isa, "rex", d, &err));
    object_unref(d);    /* the tree holds it now */
    char *path = object_get_canonical_path(d);
    assert_string_equal(path, "/machine/isa/rex");
    g_free(path);
    assert_ptr_equal(object_resolve_path("/machine/isa/rex", NULL), d);
    bool ambiguous = true;
    assert_ptr_equal(object_resolve_path("rex", &ambiguous), d);
    assert_false(ambiguous);
    assert_ptr_equal(object_resolve_path("isa/rex", NULL), d);
    assert_ptr_equal(object_resolve_path_type("rex", TYPE_ANIMAL, NULL), d);
    assert_null(object_resolve_path_type("rex", TYPE_CAT, NULL));
    assert_null(object_resolve_path("/machine/rex", NULL));

    /* A second "rex" elsewhere makes the partial path ambiguous. */
    Object *other = object_new(TYPE_CAT);
    Object *pci = container_get(root, "/machine/pci");
    assert_true(object_property_add_child(pci, "rex", other, &error_abort));
    object_unref(other);
    assert_null(object_resolve_path("rex", &ambiguous));
    assert_true(ambiguous);
    assert_ptr_equal(object_resolve_path("pci/rex", &ambiguous), other);
    assert_false(ambiguous);

    /* A taken name is refused. */
    Object *third = object_new(TYPE_DOG);
    assert_false(object_property_add_child(isa, "rex", third, &err));
    assert_non_null(err);
    error_free(err);
    object_unref(third);

    /* Unparenting drops the tree's reference and the path. */
    finalize_log[0] = '\0';
    object_unparent(d);
    assert_string_equal(finalize_log, "DA");
    assert_null(object_resolve_path("/machine/isa/rex", NULL));
    object_unparent(other);
}

static void test_type_ownership(void **state)
{
    static const TypeInfo owned[] = {
        { .name = "owned-a", .parent = TYPE_OBJECT },
        { .name = "owned-b", .parent = "owned-missing-parent" },
    };
    type_registration_begin("some-plugin");
    type_register_static_array(owned, 2);
    assert_true(type_registration_end(NULL));
    assert_string_equal(type_get_plugin(type_get_by_name("owned-a")), "some-plugin");
    assert_string_equal(type_get_plugin(type_get_by_name(TYPE_DOG)), "core");
    GPtrArray *names = type_list_owned_by("some-plugin");
    assert_int_equal(names->len, 2);
    g_ptr_array_unref(names);
    Error *err = NULL;
    assert_false(type_check_ancestry("some-plugin", &err));
    assert_string_equal(error_get_pretty(err), "type 'owned-b' derives from "
                        "'owned-missing-parent', which no loaded plugin or the core provides");
    error_free(err);
    type_unregister_owner("some-plugin");
    assert_false(type_exists("owned-a"));
    assert_false(type_exists("owned-b"));
    /* A failed registration during a batch is reported at its end. */
    static const TypeInfo taken = { .name = TYPE_CAT, .parent = TYPE_OBJECT };
    type_registration_begin("other-plugin");
    assert_null(type_register_static(&taken));
    err = NULL;
    assert_false(type_registration_end(&err));
    assert_string_equal(error_get_pretty(err), "type 'test-cat' is already registered by "
                        "the core");
    error_free(err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lazy_class_construction),
        cmocka_unit_test(test_class_and_instance_size_inheritance),
        cmocka_unit_test(test_init_and_finalize_order),
        cmocka_unit_test(test_abstract_and_unknown_types),
        cmocka_unit_test(test_duplicate_registration),
        cmocka_unit_test(test_casts),
        cmocka_unit_test(test_checked_cast_failure_message),
        cmocka_unit_test(test_interfaces),
        cmocka_unit_test(test_reference_counts),
        cmocka_unit_test(test_composition_tree),
        cmocka_unit_test(test_type_ownership),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
